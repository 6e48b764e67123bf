import { Type, type TSchema } from '@sinclair/typebox';
import { ROLLUP_DIMS, ROLLUP_MEASURES } from '../../store/telemetry/tables.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Id = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 200, description }));

const common = {
  from: Type.Optional(Type.String({ description: 'Start: ISO 8601, epoch ms, or a duration ago (`24h`, `7d`). Default: 24 hours before `to`.' })),
  to: Type.Optional(Type.String({ description: 'End (exclusive), same forms; default now.' })),
  grain: Type.Optional(Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], { description: 'Rollup grain read. Default: minute up to 6 h, hour up to 14 days, day beyond.' })),
  team: Id('Only this team.'),
  api: Id('Only this API.'),
  route: Id('Only this route.'),
  consumer: Id('Only this consumer.'),
  provider: Id('Only this AI provider.'),
  model: Id('Only this AI model.'),
};

export const SummaryQuery = Type.Object(common, { additionalProperties: false });

export const SeriesQuery = Type.Object(
  { ...common, step: Type.Optional(Type.String({ pattern: '^\\d+(ms|s|m|h|d)$', description: 'Width of a point (a multiple of the grain), e.g. `5m`, `1h`, `1d`. Default: the grain.' })) },
  { additionalProperties: false },
);

export const TOP_METRICS = ['requests', 'denied', 'errors', 'server_errors', 'cost', 'tokens', 'bytes', 'latency_p95'] as const;

export const TopQuery = Type.Object(
  {
    ...common,
    by: Type.Union(ROLLUP_DIMS.map((d) => Type.Literal(d)), { description: 'The dimension ranked.' }),
    metric: Type.Optional(Type.Union(TOP_METRICS.map((m) => Type.Literal(m)), { default: 'requests', description: 'What it is ranked by: `denied` → top denied routes, `cost` → most expensive models, `latency_p95` → slowest.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  },
  { additionalProperties: false },
);

const Totals = Object.fromEntries(ROLLUP_MEASURES.map((m) => [m, Type.Number()])) as Record<(typeof ROLLUP_MEASURES)[number], ReturnType<typeof Type.Number>>;
const Percentiles = Type.Object({ p50: Nullable(Type.Number()), p95: Nullable(Type.Number()), p99: Nullable(Type.Number()) });
const Latency = Type.Object({ avg: Nullable(Type.Number()), p50: Nullable(Type.Number()), p95: Nullable(Type.Number()), p99: Nullable(Type.Number()) });
const Grain = Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')]);

export const SummaryResponse = Type.Object({
  grain: Grain,
  from: Type.String(),
  to: Type.String(),
  totals: Type.Object({ ...Totals, errors: Type.Number() }),
  latency_ms: Latency,
  gateway_ms: Percentiles,
  statuses: Type.Record(Type.String(), Type.Integer(), { description: 'Requests per status.' }),
  codes: Type.Record(Type.String(), Type.Integer(), { description: 'Gateway-produced answers per reason code.' }),
});

export const SeriesResponse = Type.Object({
  grain: Grain,
  step_ms: Type.Integer(),
  points: Type.Array(Type.Object({ t: Type.Integer(), time: Type.String(), ...Totals, errors: Type.Number(), latency_ms: Latency, gateway_ms: Percentiles })),
});

export const TopResponse = Type.Object({
  grain: Grain,
  by: Type.String(),
  metric: Type.String(),
  items: Type.Array(Type.Object({ key: Nullable(Type.String()), value: Type.Number(), ...Object.fromEntries(ROLLUP_MEASURES.map((m) => [m, Type.Optional(Type.Number())])) })),
});
