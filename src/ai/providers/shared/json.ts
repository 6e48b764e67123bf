import { utf8Text } from '../../../core/llm/codecs/utf8.js';
import { ProviderFailure } from '../../../core/llm/errors.js';

/** A JSON object as read from the wire: every field must be checked before use. */
export type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

export function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

/** UTF-8 text of a body, without a leading BOM (as TextDecoder gives it, at Buffer's speed). */
export function bytesToText(body: Uint8Array | string): string {
  if (typeof body === 'string') return body;
  const text = utf8Text(body);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parse a provider body or frame; malformed JSON is the upstream's fault (`bad_response`, 502). */
export function parseJson(body: Uint8Array | string, what: string): unknown {
  const text = bytesToText(body);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderFailure({ status: 502, kind: 'bad_response', message: `${what} is not valid JSON: ${preview(text)}` });
  }
}

/** Like `parseJson` but requires an object. */
export function parseObject(body: Uint8Array | string, what: string): Obj {
  const v = parseJson(body, what);
  if (!isObj(v)) throw new ProviderFailure({ status: 502, kind: 'bad_response', message: `${what} is not a JSON object: ${preview(bytesToText(body))}` });
  return v;
}

export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The first characters of a body, for error messages (never the whole thing). */
export function preview(text: string, max = 200): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
