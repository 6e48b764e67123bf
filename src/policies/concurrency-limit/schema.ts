import { Type, type Static } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../../core/duration.js';
import { LIMIT_KEYS, LIMIT_NAME_PATTERN } from '../../core/limits.js';

export const ConcurrencyLimitSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, description: 'Requests in flight at once per key.' }),
    key: Type.Optional(
      Type.Union(
        LIMIT_KEYS.map((k) => Type.Literal(k)),
        {
          default: 'route',
          description: 'Who the limit applies to: the route (all callers together, the default), each consumer, credential, client IP, service or header value.',
          errorMessage: `must be one of ${LIMIT_KEYS.join(', ')}`,
        },
      ),
    ),
    header: Type.Optional(Type.String({ minLength: 1, description: 'The header whose value is the key when `key` is `header`.' })),
    name: Type.Optional(Type.String({ pattern: LIMIT_NAME_PATTERN, default: 'concurrency', description: 'Name in the RateLimit header fields and the trace.' })),
    missing_key: Type.Optional(
      Type.Union([Type.Literal('ip'), Type.Literal('skip')], {
        default: 'ip',
        description: 'When the request has no value for the key (no consumer, no such header): count it by client IP (`ip`) or do not limit it (`skip`).',
        errorMessage: 'must be "ip" or "skip"',
      }),
    ),
    lease: Type.Optional(
      Type.Union([Type.Number({ minimum: 2000 }), Type.String({ pattern: DURATION_PATTERN })], {
        default: '60s',
        description: 'With Redis: a slot held by an instance that died without releasing it frees itself after this long. Live instances renew their slots, so long requests (streams) keep theirs. At least 2s.',
        errorMessage: 'must be a duration of at least 2s, such as "30s" or "2m"',
      }),
    ),
    failure_mode: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('closed')], {
        default: 'open',
        description: 'When the shared counters (Redis) cannot be reached: `open` lets requests through unlimited, `closed` refuses them with 503 `policy.unavailable`. The trace records which happened.',
        errorMessage: 'must be "open" or "closed"',
      }),
    ),
    headers: Type.Optional(Type.Boolean({ default: true, description: 'Send the `RateLimit-Policy` and `RateLimit` response fields (quota unit `concurrent-requests`).' })),
  },
  { additionalProperties: false },
);

export type ConcurrencyLimitConfig = Static<typeof ConcurrencyLimitSchema>;
