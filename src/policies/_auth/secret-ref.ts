import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

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

const PREFIX = 'enc:v1:';
const AAD = Buffer.from('sluice.policy-secret.v1');

export class SecretRefError extends Error {}

interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/** 32 bytes as hex or base64url are used as is; anything else is a passphrase stretched with scrypt. */
function masterKeyFrom(material: string): MasterKey {
  const text = material.trim();
  if (text.length === 0) throw new SecretRefError('the master key is empty');
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

/** The master keys of the environment; read (and stretched) once per distinct setting. */
function masterKeys(env: NodeJS.ProcessEnv): readonly MasterKey[] {
  const file = env['SLUICE_MASTER_KEY_FILE'];
  const sig = `${env['SLUICE_MASTER_KEY'] ?? ''}\0${file ?? ''}\0${env['SLUICE_MASTER_KEY_PREVIOUS'] ?? ''}`;
  if (cached?.sig === sig) return cached.keys;
  const keys: MasterKey[] = [];
  let current = env['SLUICE_MASTER_KEY'];
  if (current === undefined && file) {
    try {
      current = readFileSync(file, 'utf8');
    } catch (err) {
      throw new SecretRefError(`SLUICE_MASTER_KEY_FILE names ${file}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (current) keys.push(masterKeyFrom(current));
  const previous = env['SLUICE_MASTER_KEY_PREVIOUS'];
  if (previous) keys.push(masterKeyFrom(previous));
  cached = { sig, keys };
  return keys;
}

/**
 * Seals a policy secret under a master key (what the admin API stores; shown to nobody).
 * @example sealSecret(generateHmacSecret(), process.env.SLUICE_MASTER_KEY!) // 'enc:v1:3f2a…:…'
 */
export function sealSecret(plain: string, masterKeyMaterial: string): string {
  const master = masterKeyFrom(masterKeyMaterial);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(AAD);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${PREFIX}${master.id}:${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url')}`;
}

function unseal(sealed: string, masters: readonly MasterKey[]): string {
  const rest = sealed.slice(PREFIX.length);
  const sep = rest.indexOf(':');
  const id = rest.slice(0, sep);
  const master = masters.find((m) => m.id === id);
  if (!master) {
    const have = masters.length ? `the configured master key is ${masters.map((m) => m.id).join(', ')}` : 'no master key is configured (set SLUICE_MASTER_KEY or SLUICE_MASTER_KEY_FILE)';
    throw new SecretRefError(`was sealed with master key ${id}, but ${have}`);
  }
  const raw = Buffer.from(rest.slice(sep + 1), 'base64url');
  if (raw.length < 12 + 16 + 1) throw new SecretRefError('sealed data is truncated');
  const decipher = createDecipheriv('aes-256-gcm', master.key, raw.subarray(0, 12));
  decipher.setAAD(AAD);
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretRefError(`does not decrypt with master key ${id} (corrupted, edited, or not sealed as a policy secret)`);
  }
}

/** The clear secret of a reference (compile time only). Throws SecretRefError saying what is wrong, never the value. */
export function openSecret(ref: string, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.startsWith(PREFIX)) return unseal(ref, masterKeys(env));
  if (ref.startsWith('plain:')) return ref.slice(6);
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = env[name];
    if (v === undefined || v === '') throw new SecretRefError(`names environment variable ${name}, which is not set`);
    return v;
  }
  throw new SecretRefError('is not a secret reference (enc:v1:…, env:NAME or plain:…)');
}
