import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentials } from '../contract.js';

// AWS Signature Version 4 (header form), pure and deterministic given `nowMs`:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

export interface SigV4Input {
  readonly method: string;
  /** The absolute URL exactly as it is sent (path segments already percent-encoded once). */
  readonly url: string;
  /** Headers to sign besides `host`, `x-amz-date` and `x-amz-security-token` (names in any case). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
  readonly credentials: AwsCredentials;
  readonly region: string;
  readonly service: string;
  readonly nowMs: number;
  /**
   * Encode each path segment again in the canonical URI (true for every service but S3). A Bedrock
   * model id `…v1:0` travels as `…v1%3A0` and is signed as `…v1%253A0`.
   */
  readonly doubleEncodePath?: boolean;
}

export interface SigV4Result {
  /** Headers to add to the request (lower-case): `authorization`, `x-amz-date`, maybe `x-amz-security-token`. */
  readonly headers: Record<string, string>;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
  readonly signedHeaders: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** RFC 3986 encoding of everything but the unreserved characters, upper-case hex (SigV4's UriEncode). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20150830T123600Z` for an instant. */
export function amzDate(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

function canonicalPath(pathname: string, doubleEncode: boolean): string {
  if (!doubleEncode) return pathname || '/';
  // Dot segments and empty segments are normalised as the AWS SDKs do before encoding.
  const segments: string[] = [];
  for (const seg of pathname.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(uriEncode(seg));
  }
  const trailing = segments.length > 0 && pathname.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

function canonicalQuery(search: string): string {
  if (search.length <= 1) return '';
  const pairs: [string, string][] = [];
  for (const part of search.slice(1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([uriEncode(decodeURIComponent(k)), uriEncode(decodeURIComponent(v))]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Trimmed, inner runs of spaces collapsed (the suite's get-header-value-trim). */
const headerValue = (v: string): string => v.trim().replace(/\s+/g, ' ');

/**
 * Signs one request. Returns the headers to add plus the intermediate strings (for tests and for
 * `sluice explain`-style debugging: none of them contains the secret).
 */
export function signV4(input: SigV4Input): SigV4Result {
  const url = new URL(input.url);
  const date = amzDate(input.nowMs);
  const day = date.slice(0, 8);
  const { accessKeyId, secretAccessKey, sessionToken } = input.credentials;

  const toSign = new Map<string, string>();
  for (const [k, v] of Object.entries(input.headers)) toSign.set(k.toLowerCase(), headerValue(v));
  toSign.set('host', url.host);
  toSign.set('x-amz-date', date);
  if (sessionToken) toSign.set('x-amz-security-token', sessionToken);
  const names = [...toSign.keys()].sort();
  const signedHeaders = names.join(';');

  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalPath(url.pathname, input.doubleEncodePath ?? true),
    canonicalQuery(url.search),
    names.map((n) => `${n}:${toSign.get(n)!}\n`).join(''),
    signedHeaders,
    sha256Hex(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = [ALGORITHM, date, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), input.region), input.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');

  const headers: Record<string, string> = {
    'x-amz-date': date,
    authorization: `${ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
  if (sessionToken) headers['x-amz-security-token'] = sessionToken;
  return { headers, canonicalRequest, stringToSign, signature, signedHeaders };
}
