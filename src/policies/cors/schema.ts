import { Type, type Static } from '@sinclair/typebox';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;
const HEADER_NAME = '^(\\*|[A-Za-z0-9!#$%&\'*+.^_`|~-]+)$';
const HeaderNames = (description: string, extra: object = {}) =>
  Type.Optional(Type.Array(Type.String({ pattern: HEADER_NAME, errorMessage: 'must be a header name (or "*")' }), { maxItems: 200, description, ...extra }));

export const CorsSchema = Type.Object(
  {
    origins: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'Allowed origins: `https://app.example.com`, `https://*.example.com` (any subdomain), `null`, or `*` (any origin).',
    }),
    origin_patterns: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 500 }), {
        maxItems: 100,
        description: 'Regular expressions (JavaScript syntax, case-insensitive) an origin must match whole, e.g. `https://pr-\\d+\\.preview\\.example\\.com`.',
      }),
    ),
    methods: Type.Optional(
      Type.Array(Type.Union(HTTP_METHODS.map((m) => Type.Literal(m)), { errorMessage: `must be one of ${HTTP_METHODS.join(', ')}` }), {
        default: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
        description: 'Methods a preflight may ask for (`Access-Control-Allow-Methods`).',
      }),
    ),
    headers: HeaderNames('Request headers a preflight may ask for (`Access-Control-Allow-Headers`). When absent or `["*"]`, the requested headers are allowed (mirrored).'),
    exposed_headers: HeaderNames('Response headers the page may read (`Access-Control-Expose-Headers`), e.g. `x-request-id`, `retry-after`.', { default: [] }),
    credentials: Type.Optional(Type.Boolean({ default: false, description: 'Allow cookies and HTTP authentication (`Access-Control-Allow-Credentials: true`); the origin is then always echoed, never `*`.' })),
    max_age: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'Seconds a browser may cache a preflight answer (`Access-Control-Max-Age`).' })),
    preflight_continue: Type.Optional(Type.Boolean({ default: false, description: 'Forward preflights to the upstream instead of answering them (the CORS headers are still added).' })),
    private_network: Type.Optional(Type.Boolean({ default: false, description: 'Answer `Access-Control-Request-Private-Network: true` preflights with `Access-Control-Allow-Private-Network: true`.' })),
  },
  { additionalProperties: false },
);

export type CorsConfig = Static<typeof CorsSchema>;
