import { Type, type Static } from '@sinclair/typebox';
import { authFields, Duration } from '../_auth/schema.js';
import { SECRET_REF_MESSAGE, SECRET_REF_PATTERN } from '../_auth/secret-ref.js';

export const OAuth2IntrospectionSchema = Type.Object(
  {
    endpoint: Type.String({ pattern: '^https?://', errorMessage: 'must be an http(s) URL', description: 'The authorization server\'s token introspection endpoint (RFC 7662).' }),
    client_id: Type.String({ minLength: 1, description: 'Sluice\'s client id at the authorization server (the introspection endpoint requires client authentication).' }),
    client_secret: Type.String({ pattern: SECRET_REF_PATTERN, errorMessage: SECRET_REF_MESSAGE, description: 'Sluice\'s client secret: `enc:v1:…` sealed under the master key (`sluice secret seal --for policy-secret`), `env:NAME`, or `plain:…` for development.' }),
    client_auth: Type.Optional(
      Type.Union([Type.Literal('basic'), Type.Literal('post')], {
        default: 'basic',
        description: 'How Sluice authenticates to the endpoint: `basic` (HTTP Basic, `client_secret_basic`) or `post` (`client_id` and `client_secret` in the form body, `client_secret_post`).',
        errorMessage: 'must be "basic" or "post"',
      }),
    ),
    token_type_hint: Type.Optional(Type.String({ minLength: 1, default: 'access_token', description: 'Sent as `token_type_hint`.' })),
    header: Type.Optional(Type.String({ minLength: 1, default: 'authorization', description: 'Header carrying the token: `authorization` expects `Bearer <token>`; another header may carry the bare token.' })),
    query: Type.Optional(Type.String({ minLength: 1, description: 'Query parameter that may carry the token (opt-in).' })),
    cookie: Type.Optional(Type.String({ minLength: 1, description: 'Cookie that may carry the token (opt-in).' })),
    timeout: Type.Optional(Duration('Timeout of one introspection call.', { default: '5s' })),
    cache_ttl: Type.Optional(Duration('How long an active token\'s introspection result is reused (never past the token\'s `exp`). 0 disables caching.', { default: '60s' })),
    negative_cache_ttl: Type.Optional(Duration('How long an inactive token\'s result is reused, so a client retrying a revoked token does not hit the endpoint every time.', { default: '10s' })),
    cache_max_entries: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000, description: 'Results kept (least recently used evicted). Keyed by a SHA-256 of the token; the token itself is never kept.' })),
    consumer_claim: Type.Optional(Type.String({ minLength: 1, default: 'client_id', description: 'Member of the introspection response whose value is looked up among the consumers\' `oauth2-introspection` credentials (`subject`): `client_id` for machine clients, `sub` or `username` for users.' })),
    default_consumer: Type.Optional(Type.String({ minLength: 1, description: 'Consumer for active tokens whose claim matches no credential. Without it such tokens get `auth.introspection_unknown_consumer`.' })),
    scopes_claim: Type.Optional(Type.String({ minLength: 1, default: 'scope', description: 'Member holding the scopes: a space-separated string (`scope`, RFC 7662) or an array.' })),
    fail_open: Type.Optional(Type.Boolean({ default: false, description: 'When the endpoint cannot be reached: continue unauthenticated (or as `anonymous`) instead of 503 `auth.introspection_unavailable`. The trace records which happened.' })),
    ...authFields({ strip: false, stripWhat: 'the token' }),
  },
  { additionalProperties: false },
);

export type OAuth2IntrospectionConfig = Static<typeof OAuth2IntrospectionSchema>;

/** Maps an introspected token to a consumer: the value of the policy's `consumer_claim`. */
export const OAuth2IntrospectionCredentialSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('oauth2-introspection'),
    subject: Type.String({ minLength: 1, description: 'Value of the `consumer_claim` (default `client_id`) that identifies this consumer.' }),
  },
  { additionalProperties: false },
);

export type OAuth2IntrospectionCredential = Static<typeof OAuth2IntrospectionCredentialSchema>;
