import { Type, type Static } from '@sinclair/typebox';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\` (so it needs no escaping in a challenge). */
export const SCOPE_TOKEN = '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$';

export const ScopeRuleSchema = Type.Object(
  {
    methods: Type.Optional(
      Type.Array(Type.Union(HTTP_METHODS.map((m) => Type.Literal(m)), { errorMessage: `must be one of ${HTTP_METHODS.join(', ')}` }), {
        minItems: 1,
        description: 'Methods this rule applies to; every method when absent. A rule listing GET also covers HEAD unless a rule lists HEAD.',
      }),
    ),
    scopes: Type.Array(Type.String({ pattern: SCOPE_TOKEN, maxLength: 200, errorMessage: 'must be a scope token (printable ASCII without spaces, quotes or backslashes)' }), {
      minItems: 1,
      maxItems: 100,
      description: 'Scopes required, e.g. `write:products`.',
    }),
    match: Type.Optional(
      Type.Union([Type.Literal('all'), Type.Literal('any')], {
        default: 'all',
        description: '`all`: every listed scope is required; `any`: one of them is enough.',
        errorMessage: 'must be "all" or "any"',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ScopesSchema = Type.Object(
  {
    rules: Type.Array(ScopeRuleSchema, {
      minItems: 1,
      maxItems: 100,
      description: 'Checked in order; the first rule whose `methods` include the request method decides. A method no rule covers is not checked (the trace says so).',
    }),
    realm: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: '`realm` of the `WWW-Authenticate: Bearer` challenge.' })),
  },
  { additionalProperties: false },
);

export type ScopesConfig = Static<typeof ScopesSchema>;
export type ScopeRule = Static<typeof ScopeRuleSchema>;
