import { Type, type Static } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../../core/duration.js';
import { LIMIT_KEYS, LIMIT_NAME_PATTERN } from '../../core/limits.js';

const Key = (description: string, dflt?: string) =>
  Type.Union(
    LIMIT_KEYS.map((k) => Type.Literal(k)),
    { description, ...(dflt ? { default: dflt } : {}), errorMessage: `must be one of ${LIMIT_KEYS.join(', ')}` },
  );

const Window = (description: string) =>
  Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description: `${description} Milliseconds, or "1s", "1m", "1h", "1d".`,
    errorMessage: 'must be a duration: milliseconds, or a string such as "1s", "1m", "1h"',
  });

export const RateLimitItemSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, description: 'Requests allowed per `window`.' }),
    window: Window('The period `limit` applies to.'),
    burst: Type.Optional(Type.Integer({ minimum: 1, description: 'Requests accepted at once after an idle period. Defaults to `limit`.' })),
    name: Type.Optional(Type.String({ pattern: LIMIT_NAME_PATTERN, description: 'Name in the RateLimit header fields and the trace. Defaults to `rate-<window>`, e.g. `rate-1m`.' })),
    key: Type.Optional(Key('Overrides the policy\'s `key` for this limit.')),
    header: Type.Optional(Type.String({ minLength: 1, description: 'Header for this limit when its `key` is `header`.' })),
  },
  { additionalProperties: false },
);

export const RateLimitSchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Shorthand for one limit: requests per `window`.' })),
    window: Type.Optional(Window('Shorthand for one limit: its period.')),
    burst: Type.Optional(Type.Integer({ minimum: 1, description: 'Shorthand for one limit: its burst (defaults to `limit`).' })),
    limits: Type.Optional(
      Type.Array(RateLimitItemSchema, { minItems: 1, maxItems: 8, description: 'Several limits that must all hold, e.g. 10 per second and 1000 per hour.' }),
    ),
    key: Type.Optional(Key('Who a limit applies to: each consumer, credential, client IP, route, service or header value separately, or everyone together (`global`).', 'consumer')),
    header: Type.Optional(Type.String({ minLength: 1, description: 'The header whose value is the key when `key` is `header` (e.g. `X-Tenant`).' })),
    missing_key: Type.Optional(
      Type.Union([Type.Literal('ip'), Type.Literal('skip')], {
        default: 'ip',
        description: 'When the request has no value for the key (no consumer, no such header): count it by client IP (`ip`, as Kong does) or do not limit it (`skip`).',
        errorMessage: 'must be "ip" or "skip"',
      }),
    ),
    failure_mode: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('closed')], {
        default: 'open',
        description: 'When the shared counters (Redis) cannot be reached: `open` lets requests through uncounted, `closed` refuses them with 503 `policy.unavailable`. The trace records which happened.',
        errorMessage: 'must be "open" or "closed"',
      }),
    ),
    headers: Type.Optional(Type.Boolean({ default: true, description: 'Send the `RateLimit-Policy` and `RateLimit` response fields.' })),
  },
  { additionalProperties: false },
);

export type RateLimitConfig = Static<typeof RateLimitSchema>;
export type RateLimitItem = Static<typeof RateLimitItemSchema>;
