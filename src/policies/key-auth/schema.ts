import { Type, type Static } from '@sinclair/typebox';
import { authFields, DateTime, Scopes } from '../_auth/schema.js';

const KEY_HASH = '^sha256:[0-9a-f]{64}$';
const KEY_HASH_MESSAGE = 'must be "sha256:" followed by 64 lowercase hex digits (the SHA-256 of the key)';

export const KeyAuthSchema = Type.Object(
  {
    headers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' }), {
        default: ['x-api-key'],
        description: 'Request headers that may carry the key (case-insensitive). `[]` to accept none.',
      }),
    ),
    bearer: Type.Optional(Type.Boolean({ default: true, description: 'Also accept `Authorization: Bearer <key>` (what OpenAI-compatible SDKs send).' })),
    query: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        default: [],
        description: 'Query parameters that may carry the key, e.g. `["api_key"]`. Off by default: keys in URLs end up in logs.',
      }),
    ),
    body_field: Type.Optional(
      Type.String({ minLength: 1, description: 'Top-level field of a JSON or form body that may carry the key (opt-in; the body is then buffered, up to `body_limit`).' }),
    ),
    body_limit: Type.Optional(Type.Integer({ minimum: 1, default: 1_048_576, description: 'Largest body read to look for `body_field`, in bytes.' })),
    ...authFields({ strip: true, stripWhat: 'the key (header, query parameter or body field)' }),
  },
  { additionalProperties: false },
);

export type KeyAuthConfig = Static<typeof KeyAuthSchema>;

/** A key-auth credential on a consumer: the key itself is never stored, only its SHA-256. */
export const KeyAuthCredentialSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('key-auth'),
    key_hash: Type.String({ pattern: KEY_HASH, errorMessage: KEY_HASH_MESSAGE, description: '`sha256:<hex>` of the key (see `hashKey`); the key itself is shown once, at creation.' }),
    hint: Type.Optional(Type.String({ maxLength: 16, description: 'Non-secret reminder of which key this is (e.g. its last 4 characters), for consoles and traces.' })),
    expires_at: Type.Optional(DateTime('The key stops working at this time.')),
    disabled: Type.Optional(Type.Boolean({ default: false, description: 'Refuse the key (and its previous key) without deleting it.' })),
    scopes: Scopes(),
    previous_key_hash: Type.Optional(Type.String({ pattern: KEY_HASH, errorMessage: KEY_HASH_MESSAGE, description: 'Hash of the key this one replaced: still accepted until `previous_expires_at` (rotation overlap).' })),
    previous_expires_at: Type.Optional(DateTime('End of the rotation overlap; required with `previous_key_hash`.')),
  },
  { additionalProperties: false },
);

export type KeyAuthCredential = Static<typeof KeyAuthCredentialSchema>;
