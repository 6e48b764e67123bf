import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Provider keys at rest: AES-256-GCM under a master key that never sits in the config. A sealed
 * secret is `enc:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`; the key id (first bytes of the master
 * key's SHA-256) lets an old secret name the master key it needs, so rotation errors are pinpointed.
 */

const PREFIX = 'enc:v1:';
const AAD = Buffer.from('sluice.ai.provider-key.v1');

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export class SecretError extends Error {}

/** 32 bytes as base64/base64url/hex are used as is; anything else is a passphrase stretched with scrypt. */
export function masterKeyFrom(material: string): MasterKey {
  const text = material.trim();
  if (text.length === 0) throw new SecretError('the master key is empty');
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const b = Buffer.from(text, 'base64url');
    if (b.length === 32) key = b;
  }
  key ??= scryptSync(text, 'sluice.ai.master-key', 32);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

/**
 * Master keys from the environment: `SLUICE_MASTER_KEY` (or the file named by `SLUICE_MASTER_KEY_FILE`),
 * plus `SLUICE_MASTER_KEY_PREVIOUS` during a rotation. The first one seals; all of them open.
 */
export function masterKeysFromEnv(env: NodeJS.ProcessEnv = process.env): MasterKey[] {
  const out: MasterKey[] = [];
  const file = env['SLUICE_MASTER_KEY_FILE'];
  const current = env['SLUICE_MASTER_KEY'] ?? (file ? readFileSync(file, 'utf8') : undefined);
  if (current) out.push(masterKeyFrom(current));
  const previous = env['SLUICE_MASTER_KEY_PREVIOUS'];
  if (previous) out.push(masterKeyFrom(previous));
  return out;
}

export function isSealed(secret: string): boolean {
  return secret.startsWith(PREFIX);
}

export function seal(plain: string, master: MasterKey): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(AAD);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${PREFIX}${master.id}:${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url')}`;
}

export function open(sealed: string, masters: readonly MasterKey[]): string {
  const rest = sealed.slice(PREFIX.length);
  const sep = rest.indexOf(':');
  if (!isSealed(sealed) || sep < 0) throw new SecretError('is not a sealed secret (enc:v1:<key id>:<data>)');
  const id = rest.slice(0, sep);
  const master = masters.find((m) => m.id === id);
  if (!master) {
    const have = masters.length ? `the configured master key is ${masters.map((m) => m.id).join(', ')}` : 'no master key is configured (set SLUICE_MASTER_KEY or SLUICE_MASTER_KEY_FILE)';
    throw new SecretError(`was sealed with master key ${id}, but ${have}`);
  }
  const raw = Buffer.from(rest.slice(sep + 1), 'base64url');
  if (raw.length < 12 + 16 + 1) throw new SecretError('sealed data is truncated');
  const decipher = createDecipheriv('aes-256-gcm', master.key, raw.subarray(0, 12));
  decipher.setAAD(AAD);
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretError(`does not decrypt with master key ${id} (corrupted or edited)`);
  }
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
    if (v === undefined || v === '') throw new SecretError(`names environment variable ${name}, which is not set`);
    return v;
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new SecretError(`names file ${path}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  throw new SecretError('is a plain-text secret; provider keys are encrypted at rest: seal it (node dist/ai/keys/seal-cli.js), or use env:NAME / file:PATH (plain:… only for keys that are not secrets)');
}
