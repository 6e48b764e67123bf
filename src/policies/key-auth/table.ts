import type { ConsumerIdentity, CredentialIdentity } from '../../core/context.js';
import type { AllowDecision, CompileContext } from '../../core/policy.js';
import type { KeyAuthCredential } from './schema.js';

/** One accepted key hash: a credential's current key, or its previous one during a rotation overlap. */
export interface KeyEntry {
  readonly consumer: ConsumerIdentity;
  readonly credential: CredentialIdentity;
  readonly disabled: boolean;
  /** When this key stops working (ms since the epoch); Infinity when it does not expire. */
  readonly expiresAt: number;
  readonly previous: boolean;
  readonly hint: string | undefined;
  /** Its allow decision per place the key was found, filled by the policy as keys are used. */
  readonly accepted: Map<string, AllowDecision>;
}

function time(iso: string | undefined, what: string, credId: string, ctx: CompileContext): number {
  if (iso === undefined) return Infinity;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) ctx.fail('', `key-auth credential ${JSON.stringify(credId)}: ${what} ${JSON.stringify(iso)} is not a valid time`);
  return t;
}

/**
 * key hash (hex) → entry, built once per config version: a request costs one SHA-256 and one Map
 * lookup. Two credentials that share a key hash refuse the config.
 */
export function buildKeyTable(ctx: CompileContext): Map<string, KeyEntry> {
  const table = new Map<string, KeyEntry>();
  const owner = new Map<string, string>();
  const add = (hash: string, entry: KeyEntry) => {
    const hex = hash.slice('sha256:'.length);
    const clash = owner.get(hex);
    if (clash !== undefined) ctx.fail('', `key-auth credentials ${JSON.stringify(clash)} and ${JSON.stringify(entry.credential.id)} have the same key`);
    owner.set(hex, entry.credential.id);
    table.set(hex, entry);
  };
  for (const rec of ctx.credentials('key-auth')) {
    const f = rec.fields as Omit<KeyAuthCredential, 'id' | 'type'>;
    const credential: CredentialIdentity = Object.freeze({ id: rec.id, type: 'key-auth', scopes: Object.freeze([...(f.scopes ?? [])]) });
    const base = { consumer: rec.consumer, credential, disabled: f.disabled ?? false, hint: f.hint };
    add(f.key_hash, { ...base, accepted: new Map(), expiresAt: time(f.expires_at, 'expires_at', rec.id, ctx), previous: false });
    if (f.previous_key_hash !== undefined) {
      if (f.previous_expires_at === undefined) ctx.fail('', `key-auth credential ${JSON.stringify(rec.id)}: previous_key_hash needs previous_expires_at (the end of the rotation overlap)`);
      add(f.previous_key_hash, { ...base, accepted: new Map(), expiresAt: time(f.previous_expires_at, 'previous_expires_at', rec.id, ctx), previous: true });
    }
  }
  return table;
}
