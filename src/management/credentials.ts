import { randomBytes } from 'node:crypto';
import { parseDuration } from '../core/duration.js';
import { readFileSync } from 'node:fs';
import { hashPassword as hashBasicPassword } from '../policies/basic-auth/index.js';
import { generateHmacSecret, sealSecret } from '../policies/hmac-auth/index.js';
import { generateKey, hashKey, rotateKey } from '../policies/key-auth/index.js';
import type { CredentialRecord } from '../store/management/index.js';
import { ManagementError } from './errors.js';

/** What a credential turns into: stored fields (hashes), what may be shown, and the secret shown once. */
export interface IssuedCredential {
  readonly fields: Record<string, unknown>;
  readonly display: Record<string, unknown>;
  /** Returned in the create/rotate answer only; never stored in clear, never logged. */
  readonly secret?: Record<string, string>;
  readonly expiresAt?: number;
}

export type CredentialInput = Readonly<Record<string, unknown>>;

/**
 * Per credential type: how the admin API creates and rotates it, using the owning policy's helpers
 * (key generation and hashing), and which stored fields are safe to export to git.
 */
export interface CredentialIssuer {
  readonly type: string;
  create(input: CredentialInput): Promise<IssuedCredential>;
  rotate?(current: CredentialRecord, input: CredentialInput): Promise<IssuedCredential>;
  /** Stored fields that are not secrets (exported by `sluice config export`). */
  readonly exportable: readonly string[];
}

const str = (input: CredentialInput, k: string): string | undefined => {
  const v = input[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new ManagementError('admin.invalid_request', `${k} must be a non-empty string`, [{ path: k, message: 'must be a non-empty string' }]);
  return v;
};

function common(input: CredentialInput): { fields: Record<string, unknown>; display: Record<string, unknown>; expiresAt?: number } {
  const fields: Record<string, unknown> = {};
  const display: Record<string, unknown> = {};
  const scopes = input['scopes'];
  if (scopes !== undefined) {
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && s.length > 0)) throw new ManagementError('admin.invalid_request', 'scopes must be a list of strings', [{ path: 'scopes', message: 'must be a list of non-empty strings' }]);
    fields['scopes'] = display['scopes'] = scopes;
  }
  const expires = str(input, 'expires_at');
  let expiresAt: number | undefined;
  if (expires !== undefined) {
    expiresAt = Date.parse(expires);
    if (Number.isNaN(expiresAt)) throw new ManagementError('admin.invalid_request', 'expires_at must be an RFC 3339 time', [{ path: 'expires_at', message: 'must be an RFC 3339 time such as "2030-01-31T00:00:00Z"' }]);
    fields['expires_at'] = new Date(expiresAt).toISOString();
  }
  return { fields, display, ...(expiresAt !== undefined ? { expiresAt } : {}) };
}

/** `overlap: "24h"`: how long the previous key keeps working after a rotation (default: not at all). */
function overlapMs(input: CredentialInput): number {
  const raw = input['overlap'];
  if (raw === undefined) return 0;
  const ms = typeof raw === 'number' || typeof raw === 'string' ? parseDuration(raw) : undefined;
  if (ms === undefined) throw new ManagementError('admin.invalid_request', 'overlap must be a duration such as "24h"', [{ path: 'overlap', message: 'must be a duration such as "30m", "24h", "7d"' }]);
  return ms;
}

const keyAuth: CredentialIssuer = {
  type: 'key-auth',
  exportable: ['key_hash', 'hint', 'scopes', 'expires_at', 'disabled', 'previous_key_hash', 'previous_expires_at'],
  create(input) {
    const c = common(input);
    const given = str(input, 'key');
    const k = given !== undefined ? { key: given, hash: hashKey(given), hint: `…${given.slice(-4)}` } : generateKey();
    return Promise.resolve({ fields: { ...c.fields, key_hash: k.hash, hint: k.hint }, display: { ...c.display, hint: k.hint }, ...(given === undefined ? { secret: { key: k.key } } : {}), ...(c.expiresAt !== undefined ? { expiresAt: c.expiresAt } : {}) });
  },
  rotate(current, input) {
    const overlap = overlapMs(input);
    const base = { ...current.fields };
    delete base['previous_key_hash'];
    delete base['previous_expires_at'];
    const next = overlap > 0 ? rotateKey({ key_hash: String(current.fields['key_hash']) }, new Date(Date.now() + overlap)) : { ...generateKey(), fields: undefined };
    const fields = next.fields ? { ...base, ...next.fields } : { ...base, key_hash: next.hash, hint: next.hint };
    return Promise.resolve({ fields, display: { ...current.display, hint: next.hint, ...(next.fields ? { previous_expires_at: next.fields.previous_expires_at } : {}) }, secret: { key: next.key }, ...(current.expiresAt !== undefined ? { expiresAt: current.expiresAt } : {}) });
  },
};

const randomPassword = () => randomBytes(18).toString('base64url');

const basicAuth: CredentialIssuer = {
  type: 'basic-auth',
  exportable: ['username', 'scopes'],
  async create(input) {
    const c = common(input);
    delete c.fields['expires_at'];
    const username = str(input, 'username');
    if (!username) throw new ManagementError('admin.invalid_request', 'username is required for basic-auth', [{ path: 'username', message: 'is required' }]);
    const given = str(input, 'password');
    const password = given ?? randomPassword();
    return { fields: { ...c.fields, username, password_hash: await hashBasicPassword(password) }, display: { ...c.display, username }, ...(given === undefined ? { secret: { password } } : {}) };
  },
  async rotate(current, input) {
    const given = str(input, 'password');
    const password = given ?? randomPassword();
    return { fields: { ...current.fields, password_hash: await hashBasicPassword(password) }, display: current.display, ...(given === undefined ? { secret: { password } } : {}) };
  },
};

const jwt: CredentialIssuer = {
  type: 'jwt',
  exportable: ['subject', 'issuer'],
  create(input) {
    // An OAuth2 client is a jwt credential too: its client id is the token's subject (the IdP issues
    // the tokens; the jwt policy verifies them against the IdP's keys).
    const subject = str(input, 'subject') ?? str(input, 'client_id');
    if (!subject) throw new ManagementError('admin.invalid_request', 'subject (or client_id) is required for jwt', [{ path: 'subject', message: 'is required' }]);
    const issuer = str(input, 'issuer');
    const fields = { subject, ...(issuer ? { issuer } : {}) };
    return Promise.resolve({ fields, display: { ...fields } });
  },
};

/** The master key material of the environment (seals generated HMAC secrets), or undefined. */
function masterKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env['SLUICE_MASTER_KEY_FILE'];
  return env['SLUICE_MASTER_KEY'] || (file ? readFileSync(file, 'utf8').trim() : undefined) || undefined;
}

/** A new HMAC signing secret, sealed under the master key: the clear value is returned once. */
function newHmacSecret(given: string | undefined): { stored: string; shown?: string } {
  if (given !== undefined) return { stored: given };
  const master = masterKey();
  if (!master) throw new ManagementError('admin.invalid_request', 'secret: set SLUICE_MASTER_KEY so Sluice can generate and seal the secret, or give a reference such as "env:NAME"', [{ path: 'secret', message: 'is required without a master key (SLUICE_MASTER_KEY): secrets are never stored in clear' }]);
  const plain = generateHmacSecret();
  return { stored: sealSecret(plain, master), shown: plain };
}

const hmacAuth: CredentialIssuer = {
  type: 'hmac-auth',
  exportable: ['key_id', 'scopes'],
  create(input) {
    const c = common(input);
    delete c.fields['expires_at'];
    const keyId = str(input, 'key_id') ?? `hk_${randomBytes(9).toString('base64url')}`;
    const secret = newHmacSecret(str(input, 'secret'));
    return Promise.resolve({ fields: { ...c.fields, key_id: keyId, secret: secret.stored }, display: { ...c.display, key_id: keyId }, ...(secret.shown ? { secret: { key_id: keyId, secret: secret.shown } } : {}) });
  },
  rotate(current, input) {
    const secret = newHmacSecret(str(input, 'secret'));
    return Promise.resolve({ fields: { ...current.fields, secret: secret.stored }, display: current.display, ...(secret.shown ? { secret: { key_id: String(current.fields['key_id']), secret: secret.shown } } : {}) });
  },
};

const SECRETISH = /secret|password|private|key_hash|^key$/i;

/** Any other credential type owned by a registered policy: fields as given; secret-looking ones never shown or exported. */
function generic(type: string): CredentialIssuer {
  return {
    type,
    exportable: [],
    create(input) {
      const fields: Record<string, unknown> = {};
      const display: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(input)) {
        if (k === 'id' || k === 'type') continue;
        fields[k] = v;
        if (!SECRETISH.test(k)) display[k] = v;
      }
      return Promise.resolve({ fields, display });
    },
  };
}

const ISSUERS = new Map<string, CredentialIssuer>([keyAuth, basicAuth, jwt, hmacAuth].map((i) => [i.type, i]));

/** The issuer of a type; its methods always answer with a promise (a refused input rejects it). */
export function issuerFor(type: string): CredentialIssuer {
  const i = ISSUERS.get(type) ?? generic(type);
  const rotate = i.rotate?.bind(i);
  return {
    type: i.type,
    exportable: i.exportable,
    create: (input) => Promise.resolve().then(() => i.create(input)),
    ...(rotate ? { rotate: (current: CredentialRecord, input: CredentialInput) => Promise.resolve().then(() => rotate(current, input)) } : {}),
  };
}

/** The stored fields that may leave Sluice (export to git): never a secret or a password hash. */
export function exportableFields(c: CredentialRecord): Record<string, unknown> {
  const issuer = ISSUERS.get(c.type);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.fields)) if (issuer ? issuer.exportable.includes(k) : !SECRETISH.test(k)) out[k] = v;
  return out;
}

/** The stored fields that never leave Sluice (a password hash, a generic type's secrets): `config apply` keeps them. */
export function secretFields(c: CredentialRecord): Record<string, unknown> {
  const shown = exportableFields(c);
  return Object.fromEntries(Object.entries(c.fields).filter(([k]) => !(k in shown)));
}

const DISPLAY = new Set(['hint', 'scopes', 'username', 'subject', 'issuer', 'previous_expires_at', 'key_id']);

/** What lists may show of a credential with these stored fields. */
export function displayOf(type: string, fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const known = ISSUERS.has(type);
  return Object.fromEntries(Object.entries(fields).filter(([k]) => (known ? DISPLAY.has(k) : !SECRETISH.test(k))));
}
