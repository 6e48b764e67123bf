import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { ConsumerIdentity, CredentialIdentity } from '../../core/context.js';
import type { CompileContext } from '../../core/policy.js';
import { openSecret, SecretRefError } from '../_auth/secret-ref.js';
import type { HmacAuthCredential } from './schema.js';

/** One access key: whose it is, and its secret as a KeyObject (opened once per config version). */
export interface HmacKey {
  readonly consumer: ConsumerIdentity;
  readonly credential: CredentialIdentity;
  readonly secret: KeyObject;
}

/** RFC 2104 §3: a key shorter than the hash output weakens the MAC; we ask for at least 32 bytes. */
const MIN_SECRET_BYTES = 32;

/**
 * keyId → key, built once per config version. Secrets are opened here (sealed under the master key
 * or read from the environment) and kept only as KeyObjects; an unusable secret refuses the config,
 * naming the credential but never the value.
 */
export function buildKeyTable(ctx: CompileContext): Map<string, HmacKey> {
  const table = new Map<string, HmacKey>();
  const owner = new Map<string, string>();
  for (const rec of ctx.credentials('hmac-auth')) {
    const f = rec.fields as Omit<HmacAuthCredential, 'id' | 'type'>;
    const clash = owner.get(f.key_id);
    if (clash !== undefined) ctx.fail('', `hmac-auth credentials ${JSON.stringify(clash)} and ${JSON.stringify(rec.id)} have the same key_id ${JSON.stringify(f.key_id)}`);
    owner.set(f.key_id, rec.id);
    let clear: string;
    try {
      clear = openSecret(f.secret);
    } catch (err) {
      ctx.fail('', `hmac-auth credential ${JSON.stringify(rec.id)}: secret ${err instanceof SecretRefError ? err.message : 'cannot be opened'}`);
    }
    const bytes = Buffer.from(clear, 'utf8');
    if (bytes.length < MIN_SECRET_BYTES) ctx.fail('', `hmac-auth credential ${JSON.stringify(rec.id)}: the secret must be at least ${MIN_SECRET_BYTES} bytes (see generateHmacSecret)`);
    const credential: CredentialIdentity = Object.freeze({ id: rec.id, type: 'hmac-auth', scopes: Object.freeze([...(f.scopes ?? [])]) });
    table.set(f.key_id, { consumer: rec.consumer, credential, secret: createSecretKey(bytes) });
  }
  return table;
}

/**
 * A new random signing secret (256 bits, base64url): shown to the client once, stored sealed.
 * @example sealSecret(generateHmacSecret(), masterKey)
 */
export function generateHmacSecret(): string {
  return randomBytes(32).toString('base64url');
}
