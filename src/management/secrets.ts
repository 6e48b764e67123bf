import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random token with a recognisable prefix (so secret scanners can find leaked ones). */
export function randomToken(prefix: string, bytes = 32): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

/** Tokens are high-entropy: a plain SHA-256 is the right stored form (scrypt is for passwords). */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Constant-time equality of two strings of any length (compares digests). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
