import { Type, type Static } from '@sinclair/typebox';
import { LIMIT_KEYS, LIMIT_NAME_PATTERN } from '../../core/limits.js';

const Key = (description: string, dflt?: string) =>
  Type.Union(
    LIMIT_KEYS.map((k) => Type.Literal(k)),
    { description, ...(dflt ? { default: dflt } : {}), errorMessage: `must be one of ${LIMIT_KEYS.join(', ')}` },
  );

const Period = (description: string) =>
  Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
    description: `${description} Calendar periods in UTC: days start at 00:00, weeks on Monday, months on the 1st.`,
    errorMessage: 'must be "day", "week" or "month"',
  });

export const QuotaItemSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, description: 'Requests allowed per `period`.' }),
    period: Period('The calendar period `limit` applies to.'),
    name: Type.Optional(Type.String({ pattern: LIMIT_NAME_PATTERN, description: 'Name in the RateLimit header fields and the trace. Defaults to `quota-<period>`, e.g. `quota-month`.' })),
    key: Type.Optional(Key('Overrides the policy\'s `key` for this quota.')),
    header: Type.Optional(Type.String({ minLength: 1, description: 'Header for this quota when its `key` is `header`.' })),
  },
  { additionalProperties: false },
);

export const QuotaSchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Shorthand for one quota: requests per `period`.' })),
    period: Type.Optional(Period('Shorthand for one quota: its period.')),
    limits: Type.Optional(Type.Array(QuotaItemSchema, { minItems: 1, maxItems: 3, description: 'Several quotas that must all hold, e.g. 1000 per day and 20000 per month.' })),
    key: Type.Optional(Key('Who a quota applies to (default: each consumer).', 'consumer')),
    header: Type.Optional(Type.String({ minLength: 1, description: 'The header whose value is the key when `key` is `header`.' })),
    missing_key: Type.Optional(
      Type.Union([Type.Literal('ip'), Type.Literal('skip')], {
        default: 'ip',
        description: 'When the request has no value for the key (no consumer, no such header): count it by client IP (`ip`) or do not count it (`skip`).',
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

export type QuotaConfig = Static<typeof QuotaSchema>;
export type QuotaItem = Static<typeof QuotaItemSchema>;
