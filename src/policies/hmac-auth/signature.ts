import { createHash } from 'node:crypto';
import type { RequestContext } from '../../core/context.js';

/**
 * The HTTP Signatures format (draft-cavage-http-signatures, as Kong and APISIX hmac-auth use it):
 *
 *   Authorization: Signature keyId="ak",algorithm="hmac-sha256",headers="@request-target date digest",signature="<base64>"
 *
 * The signing string has one line per name of `headers`, in that order, joined by "\n" (no trailing
 * newline): `<name>: <value>`. For `(request-target)` / `@request-target` the value is the lowercase
 * method, a space and the path with its query as sent (`get /orders?id=7`); for a header, its value
 * (several values joined by ", ", surrounding whitespace trimmed).
 */
export interface SignatureParams {
  readonly keyId: string;
  readonly algorithm: string | undefined;
  /** Lowercase names, in signing order. */
  readonly headers: readonly string[];
  /** Base64 as sent. */
  readonly signature: string;
}

const PARAM = /\s*([A-Za-z]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
const MAX_HEADER = 8192;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The parameters after `Signature `, or a string saying what is wrong with them. */
export function parseSignature(value: string): SignatureParams | string {
  if (value.length > MAX_HEADER) return `the Signature credentials exceed ${MAX_HEADER} characters`;
  const seen = new Map<string, string>();
  PARAM.lastIndex = 0;
  let at = 0;
  while (at < value.length) {
    PARAM.lastIndex = at;
    const m = PARAM.exec(value);
    if (!m) return 'expected keyId="…",algorithm="…",headers="…",signature="…"';
    const name = m[1]!;
    if (seen.has(name)) return `the ${name} parameter is given twice`;
    seen.set(name, m[2]!.replace(/\\(.)/g, '$1'));
    at = PARAM.lastIndex;
  }
  const keyId = seen.get('keyId');
  const signature = seen.get('signature');
  if (!keyId) return 'the keyId parameter is missing';
  if (!signature) return 'the signature parameter is missing';
  if (!BASE64.test(signature)) return 'the signature parameter is not base64';
  const list = seen.get('headers');
  if (list === undefined) return 'the headers parameter is missing (it lists what the signature covers)';
  const headers = list.trim().toLowerCase().split(/\s+/).filter((h) => h.length > 0);
  if (headers.length === 0) return 'the headers parameter is empty';
  if (new Set(headers).size !== headers.length) return 'the headers parameter lists a header twice';
  return { keyId, algorithm: seen.get('algorithm')?.toLowerCase(), headers, signature };
}

export const isRequestTarget = (name: string): boolean => name === '@request-target' || name === '(request-target)';

/** The string the client signed, or the first listed header the request does not carry. */
export function signingString(ctx: RequestContext, headers: readonly string[]): { text: string } | { absent: string } {
  const lines: string[] = [];
  for (const name of headers) {
    if (isRequestTarget(name)) {
      lines.push(`${name}: ${ctx.method.toLowerCase()} ${ctx.path}${ctx.rawQuery ? `?${ctx.rawQuery}` : ''}`);
      continue;
    }
    const v = ctx.headers[name];
    if (v === undefined) return { absent: name };
    lines.push(`${name}: ${(Array.isArray(v) ? v.map((x) => x.trim()).join(', ') : v).trim()}`);
  }
  return { text: lines.join('\n') };
}

/** Digest algorithms of RFC 3230 `Digest` (IANA names) → node:crypto names. */
const DIGESTS: Readonly<Record<string, string>> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

export interface ExpectedDigest {
  readonly algorithm: string;
  readonly value: string;
}

/** The strongest supported entry of a `Digest` header (`SHA-256=…, SHA-512=…`), or undefined. */
export function parseDigest(header: string): ExpectedDigest | undefined {
  let best: ExpectedDigest | undefined;
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const alg = part.slice(0, eq).trim().toLowerCase();
    const node = DIGESTS[alg];
    if (!node) continue;
    if (!best || node === 'sha512') best = { algorithm: node, value: part.slice(eq + 1).trim() };
  }
  return best;
}

/** The body's digest in the header's encoding (base64). */
export function digestOf(body: Uint8Array, algorithm: string): string {
  return createHash(algorithm).update(body).digest('base64');
}
