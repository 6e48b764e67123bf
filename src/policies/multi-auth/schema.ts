import { Type, type Static } from '@sinclair/typebox';

export const MultiAuthMethodSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'An authentication policy (phase `authenticate`): `key-auth`, `basic-auth`, `jwt`, `hmac-auth`, `oauth2-introspection`…' }),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'That policy\'s config, exactly as when it is attached on its own (validated against its schema). `anonymous` belongs on multi-auth itself.' })),
  },
  { additionalProperties: false },
);

export const MultiAuthSchema = Type.Object(
  {
    methods: Type.Array(MultiAuthMethodSchema, {
      minItems: 1,
      maxItems: 8,
      description: 'The accepted methods, tried in this order; the first that authenticates the request wins. Each name at most once.',
    }),
    anonymous: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Consumer id used when the request carries a credential of none of the methods. The consumer is marked anonymous and keeps its own groups, so `acl`, `scopes` and the limits still apply to it. A credential that is present but invalid is always refused, never served as anonymous.',
      }),
    ),
    upstream_headers: Type.Optional(Type.Boolean({ default: true, description: 'For the anonymous consumer: send `X-Consumer-Id` and `X-Anonymous-Consumer: true` upstream (the methods send their own).' })),
  },
  { additionalProperties: false },
);

export type MultiAuthConfig = Static<typeof MultiAuthSchema>;
export type MultiAuthMethod = Static<typeof MultiAuthMethodSchema>;
