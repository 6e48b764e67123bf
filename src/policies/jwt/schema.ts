import { Type, type Static } from '@sinclair/typebox';
import { authFields, Duration } from '../_auth/schema.js';
import { ALGORITHMS } from './keys.js';

const Algorithm = () => Type.Union(ALGORITHMS.map((a) => Type.Literal(a)), { errorMessage: `must be one of ${ALGORITHMS.join(', ')}` });
const OneOrMany = (description: string) => Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { description, errorMessage: 'must be a string or a list of strings' });

export const InlineKeySchema = Type.Object(
  {
    kid: Type.Optional(Type.String({ minLength: 1, description: 'Key id: tokens whose header names this `kid` use this key.' })),
    alg: Type.Optional(Algorithm()),
    secret: Type.Optional(Type.String({ minLength: 1, description: 'HMAC secret for HS256/384/512 (at least 32/48/64 bytes).' })),
    secret_encoding: Type.Optional(
      Type.Union([Type.Literal('utf8'), Type.Literal('base64'), Type.Literal('base64url')], { default: 'utf8', description: 'How `secret` is written.', errorMessage: 'must be "utf8", "base64" or "base64url"' }),
    ),
    pem: Type.Optional(Type.String({ minLength: 1, description: 'Public key (SPKI or PKCS#1 PEM) or X.509 certificate.' })),
    jwk: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'A public JWK (RSA, EC, OKP) or an `oct` JWK.' })),
  },
  { additionalProperties: false },
);
export type InlineKey = Static<typeof InlineKeySchema>;

export const JwtSchema = Type.Object(
  {
    header: Type.Optional(Type.String({ minLength: 1, default: 'authorization', description: 'Header carrying the token: `authorization` expects `Bearer <token>`; another header may carry the bare token.' })),
    query: Type.Optional(Type.String({ minLength: 1, description: 'Query parameter that may carry the token (opt-in).' })),
    cookie: Type.Optional(Type.String({ minLength: 1, description: 'Cookie that may carry the token (opt-in).' })),
    algorithms: Type.Optional(Type.Array(Algorithm(), { minItems: 1, description: 'Accepted `alg` values (default: all of HS*, RS*, PS*, ES*, EdDSA; each key only verifies its own kind). `none` is never accepted.' })),
    keys: Type.Optional(Type.Array(InlineKeySchema, { description: 'Verification keys written in the config.' })),
    jwks_url: Type.Optional(Type.String({ pattern: '^https?://', errorMessage: 'must be an http(s) URL', description: 'JWKS endpoint of the issuer; fetched through the gateway, cached, refreshed when a token names an unknown `kid`.' })),
    jwks_cache_ttl: Type.Optional(Duration('Age after which the JWKS is refreshed (in the background; the old keys keep serving).', { default: '10m' })),
    jwks_min_refresh_interval: Type.Optional(Duration('At most one JWKS fetch per this interval, whatever triggers it (bounds what unknown `kid`s can cause).', { default: '30s' })),
    jwks_timeout: Type.Optional(Duration('Timeout of a JWKS fetch.', { default: '5s' })),
    issuer: Type.Optional(OneOrMany('Accepted `iss` values; the token must carry one of them.')),
    audience: Type.Optional(OneOrMany('Accepted `aud` values; the token must name one of them.')),
    leeway: Type.Optional(Duration('Clock skew tolerated on `exp` and `nbf`.', { default: '30s' })),
    require_exp: Type.Optional(Type.Boolean({ default: true, description: 'Refuse tokens without `exp` (they would never expire).' })),
    consumer_claim: Type.Optional(Type.String({ minLength: 1, default: 'sub', description: 'Claim whose value is looked up in the consumers\' `jwt` credentials (`subject`).' })),
    default_consumer: Type.Optional(Type.String({ minLength: 1, description: 'Consumer for valid tokens whose claim matches no credential (e.g. every user of an identity provider). Without it such tokens get `auth.jwt_unknown_consumer`.' })),
    scopes_claim: Type.Optional(Type.String({ minLength: 1, default: 'scope', description: 'Claim holding the scopes: a space-separated string (`scope`) or an array (`scp`, `roles`).' })),
    fail_open: Type.Optional(Type.Boolean({ default: false, description: 'When the JWKS cannot be fetched and no cached key fits: continue unauthenticated (or as `anonymous`) instead of 503 `policy.unavailable`. The trace records which happened.' })),
    ...authFields({ strip: false, stripWhat: 'the token' }),
  },
  { additionalProperties: false },
);

export type JwtConfig = Static<typeof JwtSchema>;

/** Maps a token to a consumer: the value of the policy's `consumer_claim` (and, optionally, the issuer). */
export const JwtCredentialSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('jwt'),
    subject: Type.String({ minLength: 1, description: 'Value of the `consumer_claim` (default `sub`) that identifies this consumer.' }),
    issuer: Type.Optional(Type.String({ minLength: 1, description: 'Only tokens of this `iss` match (when several issuers share subjects).' })),
  },
  { additionalProperties: false },
);

export type JwtCredential = Static<typeof JwtCredentialSchema>;
