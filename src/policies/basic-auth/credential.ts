import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { safeEqual } from '../_auth/secrets.js';

/**
 * Passwords are stored as PHC strings: `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64, no padding),
 * so the cost parameters travel with the hash and can be raised later without breaking old ones.
 */
export const PASSWORD_HASH_PATTERN = '^\\$scrypt\\$ln=\\d{1,2},r=\\d{1,2},p=\\d{1,2}\\$[A-Za-z0-9+/]{16,}\\$[A-Za-z0-9+/]{32,}$';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB and ~50-100 ms per hash on a server core. */
export const DEFAULT_PARAMS: ScryptParams = { ln: 15, r: 8, p: 1 };

export interface ParsedHash extends ScryptParams {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export function parsePasswordHash(stored: string): ParsedHash | undefined {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
  if (!m) return undefined;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 10 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { ln, r, p, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
}

function derive(password: string, salt: Buffer, keylen: number, p: ScryptParams): Promise<Buffer> {
  const N = 2 ** p.ln;
  const opts: ScryptOptions = { N, r: p.r, p: p.p, maxmem: 256 * N * p.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * The stored form of a password (async: scrypt runs on the libuv thread pool).
 * @example await hashPassword('correct horse') // '$scrypt$ln=15,r=8,p=1$…$…'
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, 32, params);
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(hash)}`;
}

/** Derives with the stored parameters and compares in constant time. */
export async function verifyPassword(password: string, stored: ParsedHash): Promise<boolean> {
  const derived = await derive(password, stored.salt, stored.hash.length, stored);
  return safeEqual(derived, stored.hash);
}
