import { Type, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});
const Id = (description: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 200, description }));

/** Filters shared by `GET /logs` and `sluice logs`. Unknown parameters are refused (a typo never silently widens a query). */
export const LogQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ description: 'Start (inclusive): ISO 8601, epoch ms, or a duration ago (`15m`, `24h`, `7d`).' })),
    to: Type.Optional(Type.String({ description: 'End (exclusive), same forms; default now.' })),
    status: Type.Optional(Type.String({ description: 'A status (`403`), a class (`4xx`) or a range (`500-599`).' })),
    code: Id('Reason code, e.g. `auth.key_invalid`.'),
    denied: Type.Optional(Type.Boolean({ description: 'Only requests the gateway refused (a policy denied, or a 4xx of its own).' })),
    team: Id('Team id.'),
    api: Id('API id (the service when no `api:` tag says otherwise).'),
    service: Id('Service id.'),
    route: Id('Route id.'),
    consumer: Id('Consumer id.'),
    provider: Id('AI provider id.'),
    model: Id('AI model name.'),
    request_id: Id('Exactly this request id.'),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Free text searched in the path (case-insensitive; `%` and `_` are literal).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The `next` cursor of the previous page.' })),
    order: Type.Optional(Type.Union([Type.Literal('desc'), Type.Literal('asc')], { default: 'desc', description: '`desc`: newest first. `asc`: in the order records were written (follow with `next`, or start after the newest with the `tail` cursor of a `desc` page).' })),
  },
  { additionalProperties: false },
);

const Timings = Type.Object({
  total_ms: Type.Number(),
  gateway_ms: Nullable(Type.Number(), 'Time the gateway spent itself (total minus upstream time).'),
  upstream_connect_ms: Nullable(Type.Number(), 'Until a connection to the upstream was ready (≈0 on a reused keep-alive connection).'),
  upstream_first_byte_ms: Nullable(Type.Number(), 'Until the upstream\'s response headers arrived.'),
  upstream_ms: Nullable(Type.Number(), 'Time spent in upstream attempts.'),
});

const Tokens = Type.Object({ input: Type.Integer(), output: Type.Integer(), cached: Type.Integer(), reasoning: Type.Integer() });

const callLogFields = {
  id: Type.Optional(Type.Integer({ description: 'Position in the store (what cursors count).' })),
  request_id: Type.String(),
  time: Type.String({ description: 'Start of the request (ISO 8601).' }),
  timestamp: Type.Integer({ description: 'Start of the request, epoch ms.' }),
  team: Nullable(Type.String()),
  api: Nullable(Type.String()),
  service: Nullable(Type.String()),
  route: Nullable(Type.String()),
  consumer: Nullable(Type.String()),
  credential: Nullable(Type.String(), 'Id of the credential that authenticated the caller (never the secret).'),
  client_ip: Type.String(),
  method: Type.String(),
  path: Type.String({ description: 'Path without the query string (which may carry secrets).' }),
  host: Nullable(Type.String()),
  status: Type.Integer(),
  answered_by: Type.String({ description: '`gateway` (a denial, a failure, or an answer of its own) or `upstream`.' }),
  code: Nullable(Type.String(), 'Reason code of a gateway-produced answer.'),
  decided_by: Nullable(Type.String(), 'Id of the policy that denied.'),
  config_version: Type.Integer(),
  timings: Timings,
  bytes_in: Nullable(Type.Integer()),
  bytes_out: Nullable(Type.Integer()),
  upstream: Nullable(Type.Object({ target: Nullable(Type.String()), attempts: Nullable(Type.Integer()) })),
  ai: Nullable(Type.Object({ provider: Nullable(Type.String()), model: Nullable(Type.String()), attempts: Nullable(Type.Integer()), tokens: Tokens, cost: Nullable(Type.Number({ description: 'USD.' })) })),
};

export const CallLogSummary = Type.Object(callLogFields);

export const CallLogDetail = Type.Object({
  ...callLogFields,
  trace_id: Type.Optional(Type.String({ description: 'OpenTelemetry trace id (tracing on).' })),
  bodies: Type.Object({ request: Nullable(Type.String()), response: Nullable(Type.String()) }, { description: 'Captured bodies, masked and size-capped (only where body capture is on).' }),
  trace: Type.Object({}, { additionalProperties: true, description: 'The decision trace: every policy evaluated, its outcome, reason, data and time; upstream attempts.' }),
});

export const LogPage = Type.Object({
  items: Type.Array(CallLogSummary),
  next: Type.Optional(Type.String({ description: 'Cursor of the next page (order `asc`: always set; poll it to follow).' })),
  tail: Type.Optional(Type.String({ description: 'Cursor for order `asc` after the newest record when this page was read: follow from it.' })),
});
