import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are random 256-bit tokens, so a plain SHA-256 is the right way to store them: there is
 * nothing to brute-force, and a fast hash keeps the per-request lookup at about a microsecond. (A slow
 * KDF such as scrypt is for passwords, which people choose and which are guessable.)
 */
export const KEY_PREFIX = 'sluice_';

/** Length of the random part: 32 bytes as base64url. */
const RANDOM_BYTES = 32;

/** Visible ASCII, no spaces: what any key we accept looks like (our own keys, or imported ones). */
export const KEY_SYNTAX = /^[\x21-\x7e]{8,512}$/;

/**
 * `sha256:<hex>` of a key: the form stored on the consumer credential.
 * @example hashKey('sluice_abc…') // 'sha256:9f86d0…'
 */
export function hashKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export interface GeneratedKey {
  /** The key: show it to the user once, never store it. */
  readonly key: string;
  /** What to store as `key_hash`. */
  readonly hash: string;
  /** Non-secret reminder (`…` + last 4 characters) to store as `hint`. */
  readonly hint: string;
}

/**
 * A new random key with its stored forms. Used by the admin API when it creates or rotates a key.
 * @example const { key, hash, hint } = generateKey(); // key: 'sluice_3q2…', shown once
 */
export function generateKey(): GeneratedKey {
  const key = KEY_PREFIX + randomBytes(RANDOM_BYTES).toString('base64url');
  return { key, hash: hashKey(key), hint: `…${key.slice(-4)}` };
}

/**
 * The credential fields after a rotation: the new key, with the old hash still accepted until
 * `overlapUntil`. The caller shows `key` once and saves the rest on the credential.
 * @example rotateKey(cred, new Date(Date.now() + 86_400_000))
 */
export function rotateKey(current: { key_hash: string }, overlapUntil: Date): GeneratedKey & { fields: { key_hash: string; hint: string; previous_key_hash: string; previous_expires_at: string } } {
  const next = generateKey();
  return {
    ...next,
    fields: { key_hash: next.hash, hint: next.hint, previous_key_hash: current.key_hash, previous_expires_at: overlapUntil.toISOString() },
  };
}
