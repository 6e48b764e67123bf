import { afterEach, describe, expect, it } from 'vitest';
import { hashKey } from '../policies/key-auth/index.js';
import { openSecret } from '../policies/_auth/secret-ref.js';
import type { CredentialRecord } from '../store/management/index.js';
import { displayOf, exportableFields, issuerFor, secretFields } from './credentials.js';
import { ManagementError } from './errors.js';

const record = (type: string, fields: Record<string, unknown>): CredentialRecord => ({ id: 'c1', consumerId: 'shop', type, fields, display: {}, createdAt: 0, updatedAt: 0 });

describe('credential issuers', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
  });

  it('key-auth: a generated key is returned once, only its hash is stored; rotation with overlap keeps the old hash', async () => {
    const c = await issuerFor('key-auth').create({ scopes: ['orders:read'] });
    const key = c.secret!['key']!;
    expect(c.fields).toEqual({ key_hash: expect.stringMatching(/^sha256:/), hint: `…${key.slice(-4)}`, scopes: ['orders:read'] });
    expect(JSON.stringify(c.fields)).not.toContain(key);
    expect(hashKey(key)).toBe(c.fields['key_hash']);
    const r = await issuerFor('key-auth').rotate!(record('key-auth', c.fields), { overlap: '1h' });
    expect(r.fields['previous_key_hash']).toBe(c.fields['key_hash']);
    expect(Date.parse(String(r.fields['previous_expires_at'])) - Date.now()).toBeGreaterThan(3_500_000);
    expect(r.secret!['key']).not.toBe(key);
    await expect(issuerFor('key-auth').rotate!(record('key-auth', c.fields), { overlap: 'soon' })).rejects.toMatchObject({ errors: [{ path: 'overlap' }] });
  });

  it('basic-auth: the password is hashed (scrypt) and shown once when generated', async () => {
    const c = await issuerFor('basic-auth').create({ username: 'shop' });
    expect(c.fields['password_hash']).toMatch(/^\$scrypt\$/);
    expect(c.secret!['password']).toHaveLength(24);
    await expect(issuerFor('basic-auth').create({})).rejects.toBeInstanceOf(ManagementError);
  });

  it('jwt: an OAuth2 client is its client id as the subject', async () => {
    expect((await issuerFor('jwt').create({ client_id: 'app-1', issuer: 'https://idp.example.com' })).fields).toEqual({ subject: 'app-1', issuer: 'https://idp.example.com' });
  });

  it('hmac-auth: the generated secret is sealed under the master key and shown once; without a master key, a reference is required', async () => {
    process.env['SLUICE_MASTER_KEY'] = 'test master key material, long enough';
    const c = await issuerFor('hmac-auth').create({ key_id: 'shop-1' });
    expect(c.fields['key_id']).toBe('shop-1');
    expect(c.fields['secret']).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    expect(openSecret(String(c.fields['secret']))).toBe(c.secret!['secret']);
    const rotated = await issuerFor('hmac-auth').rotate!(record('hmac-auth', c.fields), {});
    expect(rotated.secret!['secret']).not.toBe(c.secret!['secret']);
    delete process.env['SLUICE_MASTER_KEY'];
    await expect(issuerFor('hmac-auth').create({})).rejects.toMatchObject({ errors: [{ path: 'secret' }] });
    expect((await issuerFor('hmac-auth').create({ key_id: 'k', secret: 'env:SHOP_HMAC' })).fields).toEqual({ key_id: 'k', secret: 'env:SHOP_HMAC' });
  });

  it('what leaves Sluice (export) and what lists show never carry a secret; what stays is kept by apply', () => {
    const key = record('key-auth', { key_hash: 'sha256:ab', hint: '…abcd', previous_key_hash: 'sha256:cd' });
    expect(exportableFields(key)).toEqual(key.fields);
    const basic = record('basic-auth', { username: 'u', password_hash: 'scrypt$x' });
    expect(exportableFields(basic)).toEqual({ username: 'u' });
    expect(secretFields(basic)).toEqual({ password_hash: 'scrypt$x' });
    expect(exportableFields(record('hmac-auth', { key_id: 'k', secret: 'enc:v1:x' }))).toEqual({ key_id: 'k' });
    expect(exportableFields(record('custom', { client_secret: 's', private_key: 'p', audience: 'a' }))).toEqual({ audience: 'a' });
    expect(displayOf('key-auth', key.fields)).toEqual({ hint: '…abcd' });
    expect(displayOf('custom', { token: 'x', password: 'y', region: 'eu' })).toEqual({ token: 'x', region: 'eu' });
  });
});
