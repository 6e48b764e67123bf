import type { ProblemFieldError } from '../../../core/problem.js';
import type { DialectError } from '../contract.js';
import { isRecord, Reject, typeName, type Json } from './reject.js';

/**
 * Readers for the fields of a client's JSON body. Each names the parameter it reads in OpenAI's path
 * style (`messages[2].content[0].image_url.url`) and stops the parse with a 400 naming it, worded as
 * the OpenAI API words its own refusals (codes `missing_required_parameter`, `invalid_type`…).
 * `null` reads as absent for optional fields, as both APIs accept.
 */

export const at = (parent: string, key: string): string => (parent ? `${parent}.${key}` : key);
export const item = (parent: string, i: number): string => `${parent}[${i}]`;

export function refuse(param: string, message: string, code = 'invalid_value'): never {
  throw new Reject({ status: 400, type: 'invalid_request_error', message, param, code });
}

export function missing(param: string): never {
  return refuse(param, `Missing required parameter: '${param}'.`, 'missing_required_parameter');
}

export function wrongType(param: string, expected: string, v: unknown): never {
  return refuse(param, `Invalid type for '${param}': expected ${expected}, but got ${typeName(v)} instead.`, 'invalid_type');
}

export function requireObject(v: unknown, param: string): Json {
  if (v === undefined || v === null) return missing(param);
  if (!isRecord(v)) return wrongType(param, 'an object', v);
  return v;
}

export function optObject(v: unknown, param: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) return wrongType(param, 'an object', v);
  return v;
}

export function requireString(v: unknown, param: string, opts: { nonEmpty?: boolean } = {}): string {
  if (v === undefined || v === null) return missing(param);
  if (typeof v !== 'string') return wrongType(param, 'a string', v);
  if (opts.nonEmpty && v.length === 0) refuse(param, `Invalid '${param}': empty string. Expected a string with minimum length 1.`, 'empty_string');
  return v;
}

export function optString(v: unknown, param: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return wrongType(param, 'a string', v);
  return v;
}

export function optBoolean(v: unknown, param: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') return wrongType(param, 'a boolean', v);
  return v;
}

interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

export function optNumber(v: unknown, param: string, rule: NumberRule = {}): number | undefined {
  if (v === undefined || v === null) return undefined;
  return requireNumber(v, param, rule);
}

export function requireNumber(v: unknown, param: string, rule: NumberRule = {}): number {
  if (v === undefined || v === null) return missing(param);
  const kind = rule.integer ? 'integer' : 'decimal';
  if (typeof v !== 'number' || !Number.isFinite(v)) return wrongType(param, rule.integer ? 'an integer' : 'a number', v);
  if (rule.integer && !Number.isInteger(v)) return wrongType(param, 'an integer', v);
  if (rule.min !== undefined && v < rule.min) refuse(param, `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${rule.min}, but got ${v} instead.`, `${kind}_below_min_value`);
  if (rule.max !== undefined && v > rule.max) refuse(param, `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${rule.max}, but got ${v} instead.`, `${kind}_above_max_value`);
  return v;
}

export function requireArray(v: unknown, param: string, opts: { nonEmpty?: boolean } = {}): readonly unknown[] {
  if (v === undefined || v === null) return missing(param);
  if (!Array.isArray(v)) return wrongType(param, 'an array', v);
  if (opts.nonEmpty && v.length === 0) refuse(param, `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`, 'empty_array');
  return v as readonly unknown[];
}

export function optArray(v: unknown, param: string): readonly unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  return requireArray(v, param);
}

const quote = (s: string) => `'${s}'`;

export function oneOf<T extends string>(v: unknown, param: string, values: readonly T[]): T {
  if (v === undefined || v === null) return missing(param);
  if (typeof v !== 'string') return wrongType(param, 'a string', v);
  if (!(values as readonly string[]).includes(v)) {
    const list = values.map(quote);
    const supported = list.length > 1 ? `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]!}` : list.join('');
    refuse(param, `Invalid value for '${param}': ${JSON.stringify(v)}. Supported values are: ${supported}.`);
  }
  return v as T;
}

export function optOneOf<T extends string>(v: unknown, param: string, values: readonly T[]): T | undefined {
  return v === undefined || v === null ? undefined : oneOf(v, param, values);
}

/** `messages[2].content[0].image_url.url` → `/messages/2/content/0/image_url/url` (RFC 6901). */
export function paramToPointer(param: string): string {
  const segments: string[] = [];
  for (const m of param.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segments.push(m[1] ?? m[2]!);
  return segments.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** `/messages/2/content/0` → `messages[2].content[0]`: the inverse, for error shapes that name a `param`. */
export function pointerToParam(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const s = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(s) ? `[${s}]` : out ? `.${s}` : s;
  }
  return out;
}

/** The problem `errors` member for a refused parameter (what the gateway answers carry). */
export function fieldErrors(e: DialectError): ProblemFieldError[] | undefined {
  return e.param ? [{ in: 'body', pointer: paramToPointer(e.param), message: e.message }] : undefined;
}
