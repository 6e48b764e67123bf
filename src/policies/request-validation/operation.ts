import type { ValidateFunction } from 'ajv';
import type { RequestContext } from '../../core/context.js';
import type { CompileContext } from '../../core/policy.js';
import type { ProblemFieldError } from '../../core/problem.js';
import { escapeToken, fieldError, type SchemaCompiler } from './ajv.js';
import type { OperationConfig, ParameterConfig, RequestBodyConfig } from './schema.js';

export type Location = 'path' | 'query' | 'header';
const LOCATION_ORDER: Record<Location, number> = { path: 0, query: 1, header: 2 };

export interface CompiledParameter {
  readonly in: Location;
  /** Lower-case for headers. */
  readonly name: string;
  readonly required: boolean;
  readonly array: boolean;
  /** Query arrays: repeated keys (`true`) or one comma-separated value. */
  readonly explode: boolean;
  readonly validate: ValidateFunction;
}

export interface CompiledMedia {
  /** Media range as configured, lower-case: `application/json`, `application/*`, `*\/*`. */
  readonly range: string;
  readonly validate: ValidateFunction | undefined;
}

export interface CompiledBody {
  readonly required: boolean;
  readonly media: readonly CompiledMedia[];
}

export interface CompiledOperation {
  /** `*` for the top-level operation, else the method. */
  readonly key: string;
  readonly params: readonly CompiledParameter[];
  readonly body: CompiledBody | undefined;
}

interface Located<T> {
  readonly value: T;
  /** Config path relative to the policy config, for compile errors. */
  readonly path: string;
}

const isArraySchema = (s: unknown): boolean => {
  if (!s || typeof s !== 'object') return false;
  const o = s as Record<string, unknown>;
  return o['type'] === 'array' || (Array.isArray(o['type']) && o['type'].includes('array')) || 'items' in o || 'prefixItems' in o;
};

const paramKey = (p: ParameterConfig) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;

/** Operation-level parameters replace top-level ones with the same `in` and `name` (as in OpenAPI). */
export function mergeParameters(top: readonly Located<ParameterConfig>[], own: readonly Located<ParameterConfig>[]): Located<ParameterConfig>[] {
  const byKey = new Map<string, Located<ParameterConfig>>();
  for (const p of [...top, ...own]) byKey.set(paramKey(p.value), p);
  return [...byKey.values()];
}

export function located<T>(list: readonly T[] | undefined, base: string): Located<T>[] {
  return (list ?? []).map((value, i) => ({ value, path: `${base}[${i}]` }));
}

/** Compiles schemas once, reusing validators shared by several methods (keyed by config path). */
export class OperationCompiler {
  private readonly params = new Map<string, CompiledParameter>();
  private readonly bodies = new Map<string, CompiledBody>();

  constructor(
    private readonly schemas: SchemaCompiler,
    private readonly ctx: CompileContext,
  ) {}

  operation(key: string, params: readonly Located<ParameterConfig>[], body: Located<RequestBodyConfig> | undefined): CompiledOperation {
    const compiled = params.map((p) => this.parameter(p)).sort((a, b) => LOCATION_ORDER[a.in] - LOCATION_ORDER[b.in]);
    return { key, params: compiled, body: body ? this.body(body) : undefined };
  }

  private compile(schema: unknown, forParameters: boolean, path: string): ValidateFunction {
    try {
      return this.schemas.compile(schema, forParameters);
    } catch (err) {
      return this.ctx.fail(path, `is not a usable JSON Schema: ${(err as Error).message}`);
    }
  }

  private parameter({ value: p, path }: Located<ParameterConfig>): CompiledParameter {
    const cached = this.params.get(path);
    if (cached) return cached;
    const c: CompiledParameter = {
      in: p.in,
      name: p.in === 'header' ? p.name.toLowerCase() : p.name,
      required: p.in === 'path' || (p.required ?? false),
      array: isArraySchema(p.schema),
      explode: p.explode ?? (p.style ?? 'form') === 'form',
      validate: this.compile(p.schema, true, `${path}.schema`),
    };
    this.params.set(path, c);
    return c;
  }

  private body({ value: b, path }: Located<RequestBodyConfig>): CompiledBody {
    const cached = this.bodies.get(path);
    if (cached) return cached;
    const media = Object.entries(b.content).map(([range, m]) => ({
      range: range.toLowerCase(),
      validate: m.schema === undefined ? undefined : this.compile(m.schema, false, `${path}.content[${JSON.stringify(range)}].schema`),
    }));
    const c = { required: b.required ?? false, media };
    this.bodies.set(path, c);
    return c;
  }
}

/** The raw value(s) of a parameter, shaped for its schema; undefined when absent. */
function extract(p: CompiledParameter, req: RequestContext): unknown {
  switch (p.in) {
    case 'query': {
      if (!req.query.has(p.name)) return undefined;
      if (!p.array) return req.query.get(p.name);
      return p.explode ? req.query.getAll(p.name) : (req.query.get(p.name) ?? '').split(',');
    }
    case 'header': {
      const raw = req.headers[p.name];
      if (raw === undefined) return undefined;
      if (!p.array) return Array.isArray(raw) ? raw.join(', ') : raw;
      return (Array.isArray(raw) ? raw : raw.split(',')).map((s) => s.trim());
    }
    case 'path': {
      const raw = req.route?.params[p.name];
      if (raw === undefined) return undefined;
      return p.array ? raw.split(',') : raw;
    }
  }
}

/** Field errors of one parameter (empty when valid). */
export function checkParameter(p: CompiledParameter, req: RequestContext): ProblemFieldError[] {
  const prefix = `/${escapeToken(p.name)}`;
  const value = extract(p, req);
  if (value === undefined) return p.required ? [{ in: p.in, pointer: prefix, message: 'is required' }] : [];
  // Ajv validates the coerced value ("5" → 5); the request itself is never changed.
  if (p.validate(value)) return [];
  return (p.validate.errors ?? []).map((e) => fieldError(e, p.in, prefix));
}

/** The configured media range that accepts `type` (exact, then `type/*`, then `*\/*`). */
export function matchMedia(body: CompiledBody, type: string): CompiledMedia | undefined {
  const slash = type.indexOf('/');
  const family = slash > 0 ? `${type.slice(0, slash)}/*` : undefined;
  return body.media.find((m) => m.range === type) ?? body.media.find((m) => m.range === family) ?? body.media.find((m) => m.range === '*/*');
}

export const isJsonMedia = (type: string): boolean => type === 'application/json' || type.endsWith('+json');

export type { OperationConfig };
