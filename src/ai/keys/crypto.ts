import { readFileSync } from 'node:fs';
import { isSealed, masterKeyFrom, masterKeysFromEnv, openSealed, SealError, sealWith, type MasterKey } from '../../config/sealing.js';

/** Provider keys at rest: sealed under the master key (src/config/sealing.ts) with their own associated data. */
const AAD = 'sluice.ai.provider-key.v1';

export { isSealed, masterKeyFrom, masterKeysFromEnv, SealError as SecretError, type MasterKey };

export function seal(plain: string, master: MasterKey): string {
  return sealWith(plain, master, AAD);
}

export function open(sealed: string, masters: readonly MasterKey[]): string {
  return openSealed(sealed, masters, AAD, 'a provider key');
}

/**
 * Resolves a secret reference of the config: `enc:v1:…`, `env:NAME`, `file:/path`, or `plain:…` — an
 * explicit opt-in for keys that are not secrets (local model servers, mocks).
 */
export function resolveSecret(ref: string, masters: readonly MasterKey[], env: NodeJS.ProcessEnv = process.env): string {
  if (isSealed(ref)) return open(ref, masters);
  if (ref.startsWith('plain:')) return ref.slice(6);
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = env[name];
    if (v === undefined || v === '') throw new SealError(`names environment variable ${name}, which is not set`);
    return v;
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new SealError(`names file ${path}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  throw new SealError('is a plain-text secret; provider keys are encrypted at rest: seal it (sluice secret seal), or use env:NAME / file:PATH (plain:… only for keys that are not secrets)');
}
