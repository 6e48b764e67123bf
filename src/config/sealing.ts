import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Secrets at rest: AES-256-GCM under a master key that never sits in the config. A sealed secret is
 * `enc:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`; the key id (first bytes of the master key's
 * SHA-256) lets an old secret name the master key it needs, so rotation errors are pinpointed. Each
 * kind of secret (provider key, policy secret) seals with its own associated data, so a sealed value
 * of one kind cannot be swapped in for another.
 */

const PREFIX = 'enc:v1:';

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/** What is wrong with a sealed value or the master keys (never the value itself). */
export class SealError extends Error {}

/** 32 bytes as hex or base64url are used as is; anything else is a passphrase stretched with scrypt. */
export function masterKeyFrom(material: string): MasterKey {
  const text = material.trim();
  if (text.length === 0) throw new SealError('the master key is empty');
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const b = Buffer.from(text, 'base64url');
    if (b.length === 32) key = b;
  }
  key ??= scryptSync(text, 'sluice.ai.master-key', 32);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

let cached: { readonly sig: string; readonly keys: readonly MasterKey[] } | undefined;

/**
 * Master keys from the environment: `SLUICE_MASTER_KEY` (or the file named by `SLUICE_MASTER_KEY_FILE`),
 * plus `SLUICE_MASTER_KEY_PREVIOUS` during a rotation. The first one seals; all of them open. A
 * passphrase is stretched once per distinct value: config compiles ask for the keys every version.
 */
export function masterKeysFromEnv(env: NodeJS.ProcessEnv = process.env): readonly MasterKey[] {
  const file = env['SLUICE_MASTER_KEY_FILE'];
  let current = env['SLUICE_MASTER_KEY'];
  if (current === undefined && file) {
    // Read at every compile (a rotation may rewrite the file in place); only the stretching is cached.
    try {
      current = readFileSync(file, 'utf8');
    } catch (err) {
      throw new SealError(`SLUICE_MASTER_KEY_FILE names ${file}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const previous = env['SLUICE_MASTER_KEY_PREVIOUS'];
  const sig = `${current ?? ''}\0${previous ?? ''}`;
  if (cached?.sig === sig) return cached.keys;
  const keys: MasterKey[] = [];
  if (current) keys.push(masterKeyFrom(current));
  if (previous) keys.push(masterKeyFrom(previous));
  cached = { sig, keys };
  return keys;
}

export function isSealed(secret: string): boolean {
  return secret.startsWith(PREFIX);
}

/** Seals `plain` under `master`, bound to `aad` (the kind of secret). */
export function sealWith(plain: string, master: MasterKey, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${PREFIX}${master.id}:${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url')}`;
}

/** Opens a value sealed with `aad`; `kind` names that kind of secret in the error (e.g. "a provider key"). */
export function openSealed(sealed: string, masters: readonly MasterKey[], aad: string, kind: string): string {
  const rest = sealed.slice(PREFIX.length);
  const sep = rest.indexOf(':');
  if (!isSealed(sealed) || sep < 0) throw new SealError('is not a sealed secret (enc:v1:<key id>:<data>)');
  const id = rest.slice(0, sep);
  const master = masters.find((m) => m.id === id);
  if (!master) {
    const have = masters.length ? `the configured master key is ${masters.map((m) => m.id).join(', ')}` : 'no master key is configured (set SLUICE_MASTER_KEY or SLUICE_MASTER_KEY_FILE)';
    throw new SealError(`was sealed with master key ${id}, but ${have}`);
  }
  const raw = Buffer.from(rest.slice(sep + 1), 'base64url');
  if (raw.length < 12 + 16 + 1) throw new SealError('sealed data is truncated');
  const decipher = createDecipheriv('aes-256-gcm', master.key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError(`does not decrypt with master key ${id} (corrupted, edited, or not sealed as ${kind})`);
  }
}
