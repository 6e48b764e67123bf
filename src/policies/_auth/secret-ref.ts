import { isSealed, masterKeyFrom, masterKeysFromEnv, openSealed, SealError, sealWith, type MasterKey } from '../../config/sealing.js';

/**
 * Secrets a policy must hold in clear to do its work — an HMAC signing key, an introspection client
 * secret — are never written in clear in the config. A reference is one of:
 *
 * - `enc:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`: AES-256-GCM under the operator's master key
 *   (`SLUICE_MASTER_KEY` or `SLUICE_MASTER_KEY_FILE`, plus `SLUICE_MASTER_KEY_PREVIOUS` during a
 *   rotation) — the same master key and envelope as AI provider keys, with its own associated data so
 *   a sealed policy secret and a sealed provider key cannot be swapped for one another;
 * - `env:NAME`: read from the environment when the config is loaded;
 * - `plain:<secret>`: an explicit opt-in for tests and local development.
 *
 * References are opened once per config version (compile time), never per request, and the clear
 * value never reaches a log line, trace or error detail.
 */
export const SECRET_REF_PATTERN = '^(enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]{40,}|env:[A-Za-z_][A-Za-z0-9_]*|plain:.+)$';
export const SECRET_REF_MESSAGE = 'must be a secret reference: "enc:v1:…" (sealed under the master key), "env:NAME", or "plain:…" (explicit opt-in for development); secrets are never stored in clear';

const AAD = 'sluice.policy-secret.v1';

export class SecretRefError extends Error {}

/**
 * Seals a policy secret under a master key (what the admin API stores; shown to nobody).
 * @example sealSecret(generateHmacSecret(), process.env.SLUICE_MASTER_KEY!) // 'enc:v1:3f2a…:…'
 */
export function sealSecret(plain: string, masterKeyMaterial: string | MasterKey): string {
  return sealWith(plain, typeof masterKeyMaterial === 'string' ? masterKeyFrom(masterKeyMaterial) : masterKeyMaterial, AAD);
}

/** The clear secret of a reference (compile time only). Throws SecretRefError saying what is wrong, never the value. */
export function openSecret(ref: string, env: NodeJS.ProcessEnv = process.env): string {
  if (isSealed(ref)) {
    try {
      return openSealed(ref, masterKeysFromEnv(env), AAD, 'a policy secret');
    } catch (err) {
      throw err instanceof SealError ? new SecretRefError(err.message) : err;
    }
  }
  if (ref.startsWith('plain:')) return ref.slice(6);
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = env[name];
    if (v === undefined || v === '') throw new SecretRefError(`names environment variable ${name}, which is not set`);
    return v;
  }
  throw new SecretRefError('is not a secret reference (enc:v1:…, env:NAME or plain:…)');
}
