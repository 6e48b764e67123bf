import { Type, type Static } from '@sinclair/typebox';
import { authFields, Duration, Scopes } from '../_auth/schema.js';
import { PASSWORD_HASH_PATTERN } from './credential.js';

export const BasicAuthSchema = Type.Object(
  {
    cache_ttl: Type.Optional(Duration('How long a verified username/password pair skips scrypt.', { default: '5m' })),
    cache_max_entries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000, description: 'Verified pairs kept (least recently used evicted); 0 disables the cache.' })),
    max_queued_verifications: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10_000, default: 100, description: 'Password checks (scrypt) that may wait for one of the 2 process-wide slots; beyond it requests get 503 `auth.basic_busy`.' }),
    ),
    ...authFields({ strip: true, stripWhat: 'the Authorization header' }),
  },
  { additionalProperties: false },
);

export type BasicAuthConfig = Static<typeof BasicAuthSchema>;

export const BasicAuthCredentialSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('basic-auth'),
    username: Type.String({ minLength: 1, maxLength: 256, pattern: '^[^:\\x00-\\x1f\\x7f]+$', errorMessage: 'must be 1-256 characters without ":" or control characters', description: 'User id of HTTP Basic (RFC 7617: no colon).' }),
    password_hash: Type.String({
      pattern: PASSWORD_HASH_PATTERN,
      errorMessage: 'must be a scrypt hash "$scrypt$ln=…,r=…,p=…$<salt>$<hash>" (see hashPassword); plain passwords are never stored',
      description: 'scrypt hash in PHC form, from `hashPassword()`.',
    }),
    scopes: Scopes(),
  },
  { additionalProperties: false },
);

export type BasicAuthCredential = Static<typeof BasicAuthCredentialSchema>;
