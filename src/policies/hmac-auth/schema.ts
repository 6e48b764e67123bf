import { Type, type Static } from '@sinclair/typebox';
import { authFields, Duration, Scopes } from '../_auth/schema.js';
import { SECRET_REF_MESSAGE, SECRET_REF_PATTERN } from '../_auth/secret-ref.js';

export const HMAC_ALGORITHMS = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

/** A signed-header name: a lowercase header, or the `(request-target)` / `@request-target` pseudo-header. */
const SIGNED_NAME = '^(\\(request-target\\)|@request-target|[a-z0-9!#$%&\'*+.^_`|~-]+)$';

export const HmacAuthSchema = Type.Object(
  {
    algorithms: Type.Optional(
      Type.Array(Type.Union(HMAC_ALGORITHMS.map((a) => Type.Literal(a)), { errorMessage: `must be one of ${HMAC_ALGORITHMS.join(', ')}` }), {
        minItems: 1,
        default: [...HMAC_ALGORITHMS],
        description: 'Accepted `algorithm` values of the signature. HMAC-SHA-1 is not offered.',
      }),
    ),
    clock_skew: Type.Optional(
      Duration('How far the signed `Date` (or `X-Date`) may be from the gateway\'s clock, either way. A signature is accepted once within this window.', { default: '300s' }),
    ),
    signed_headers: Type.Optional(
      Type.Array(Type.String({ pattern: SIGNED_NAME, maxLength: 100, errorMessage: 'must be a lowercase header name, "(request-target)" or "@request-target"' }), {
        maxItems: 50,
        default: ['@request-target', 'date'],
        description: 'Headers every signature must cover (its `headers` parameter may list more). `@request-target` and `(request-target)` are the same: method, path and query. `date` is also satisfied by `x-date`, which browsers can set.',
      }),
    ),
    validate_body: Type.Optional(
      Type.Boolean({ default: true, description: 'A request with a body must sign a `Digest` header (`SHA-256=<base64>` or `SHA-512=<base64>`, RFC 3230) that matches the body; the body is then buffered (up to `body_limit`).' }),
    ),
    body_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 * 1024 * 1024, default: 1_048_576, description: 'Largest body read to check its digest, in bytes (larger: 413).' })),
    replay_protection: Type.Optional(
      Type.Boolean({ default: true, description: 'Refuse a signature that was already accepted within the clock-skew window (`auth.hmac_replay`). Kept in the `counters` service: this process, or Redis shared by every instance.' }),
    ),
    replay_failure_mode: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('closed')], {
        default: 'closed',
        description: 'When the replay cache (Redis) cannot be reached: `closed` refuses with 503 `policy.unavailable`; `open` accepts the signature unchecked for replay (trace code `auth.hmac_replay_unchecked`).',
        errorMessage: 'must be "open" or "closed"',
      }),
    ),
    ...authFields({ strip: true, stripWhat: 'the Authorization header' }),
  },
  { additionalProperties: false },
);

export type HmacAuthConfig = Static<typeof HmacAuthSchema>;

/** An access key (AK) and its secret (SK). The secret is a reference: sealed, from the environment, or an explicit `plain:`. */
export const HmacAuthCredentialSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('hmac-auth'),
    key_id: Type.String({ minLength: 1, maxLength: 256, pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$', errorMessage: 'must be 1-256 visible ASCII characters without quotes or backslashes', description: 'The access key the client names as `keyId`; unique across consumers. Not a secret.' }),
    secret: Type.String({ pattern: SECRET_REF_PATTERN, errorMessage: SECRET_REF_MESSAGE, description: 'The signing secret (at least 32 bytes once opened): `enc:v1:…` sealed under the master key (`sluice secret seal --for policy-secret`), `env:NAME`, or `plain:…` for development.' }),
    scopes: Scopes(),
  },
  { additionalProperties: false },
);

export type HmacAuthCredential = Static<typeof HmacAuthCredentialSchema>;
