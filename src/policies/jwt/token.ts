/** A compact JWS split and decoded, signature not yet checked. */
export interface ParsedJwt {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

export const MAX_TOKEN_BYTES = 16_384;
const B64URL = /^[A-Za-z0-9_-]+$/;

function json(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a compact JWS; a string is the reason it is malformed (client-safe). */
export function parseJwt(token: string): ParsedJwt | string {
  if (token.length > MAX_TOKEN_BYTES) return `it is longer than ${MAX_TOKEN_BYTES} bytes`;
  const parts = token.split('.');
  if (parts.length === 5) return 'it is an encrypted token (JWE); only signed tokens (JWS) are accepted';
  if (parts.length !== 3) return 'a JWT has three base64url parts separated by dots';
  const [h, p, s] = parts as [string, string, string];
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) return 'a part is empty or not base64url';
  const header = json(h);
  if (!header) return 'the header is not a JSON object';
  if (typeof header['alg'] !== 'string') return 'the header has no "alg"';
  if (header['crit'] !== undefined) return 'critical header parameters ("crit") are not supported';
  if (header['kid'] !== undefined && typeof header['kid'] !== 'string') return '"kid" is not a string';
  const payload = json(p);
  if (!payload) return 'the payload is not a JSON object';
  return {
    alg: header['alg'],
    kid: header['kid'],
    header,
    payload,
    signingInput: Buffer.from(`${h}.${p}`, 'ascii'),
    signature: Buffer.from(s, 'base64url'),
  };
}
