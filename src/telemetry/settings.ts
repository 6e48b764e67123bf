import { Type, type Static } from '@sinclair/typebox';
import { parseDuration } from '../core/duration.js';
import { Duration, StringList } from '../config/schema-helpers.js';

/** Keys whose values are masked in captured JSON bodies unless the operator gives a list. */
export const DEFAULT_MASKED_FIELDS = [
  'password', 'passwd', 'secret', 'client_secret', 'token', 'access_token', 'refresh_token', 'id_token', 'api_key', 'apikey',
  'authorization', 'cookie', 'set-cookie', 'private_key', 'credit_card', 'card_number', 'cvv', 'ssn',
];

const Bytes = (description: string, dflt: number, max: number) => Type.Integer({ minimum: 0, maximum: max, default: dflt, description: `${description} Bytes.` });

const JsonlSink = Type.Object(
  {
    type: Type.Literal('jsonl'),
    path: Type.String({ minLength: 1, description: 'File the records are appended to, one JSON object per line.' }),
    max_size: Type.Optional(Bytes('Rotate when the file reaches this size (`calls.jsonl` → `calls.jsonl.1` …).', 100 * 1024 * 1024, 1024 ** 4)),
    keep: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 5, description: 'Rotated files kept.' })),
  },
  { additionalProperties: false },
);

const WebhookSink = Type.Object(
  {
    type: Type.Literal('webhook'),
    url: Type.String({ pattern: '^https?://', description: 'Receives `POST` batches: a JSON array of call-log records.' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra request headers (e.g. an authorization token).' })),
    batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'Records per POST at most.' })),
    flush_interval: Type.Optional(Duration('Longest wait before a partial batch is sent.', { default: '2s' })),
    timeout: Type.Optional(Duration('Timeout of one POST.', { default: '5s' })),
    max_queue: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000, description: 'Records waiting for delivery; beyond it the oldest batches are dropped and counted.' })),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, default: 3, description: 'Retries of a failed POST (exponential backoff).' })),
  },
  { additionalProperties: false },
);

const BodyRule = Type.Object(
  {
    apis: Type.Optional(StringList('APIs whose bodies are captured.')),
    services: Type.Optional(StringList('Services whose bodies are captured.')),
    routes: Type.Optional(StringList('Routes whose bodies are captured.')),
    request: Type.Optional(Type.Boolean({ default: true, description: 'Capture the request body.' })),
    response: Type.Optional(Type.Boolean({ default: true, description: 'Capture the upstream response body.' })),
    max_bytes: Type.Optional(Bytes('Bytes kept of each body; the rest is counted, not stored.', 8192, 1024 * 1024)),
  },
  { additionalProperties: false },
);

export const ObservabilitySchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true, description: 'Collect a record of every request (call logs, analytics, per-request metrics).' })),
    logs: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ default: true, description: 'Store call logs (analytics and metrics work without them).' })),
          retention_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, default: 7, description: 'Call logs older than this are deleted by a background job.' })),
          buffer: Type.Optional(Type.Integer({ minimum: 100, maximum: 1_000_000, default: 20_000, description: 'Records waiting to be written; when full, new records are dropped and counted (requests never wait).' })),
        },
        { additionalProperties: false },
      ),
    ),
    analytics: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ default: true, description: 'Maintain the per-minute/hour/day rollups.' })),
          flush_interval: Type.Optional(Duration('How often rollups are written.', { default: '5s' })),
          retention_days: Type.Optional(
            Type.Object(
              {
                minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, default: 2 })),
                hour: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, default: 35 })),
                day: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500, default: 400 })),
              },
              { additionalProperties: false, description: 'Days each grain of rollups is kept.' },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    bodies: Type.Optional(Type.Array(BodyRule, { description: 'Body capture, off unless a rule names the API, service or route. Bodies are size-capped and masked before they are stored.' })),
    masking: Type.Optional(
      Type.Object(
        {
          fields: Type.Optional(StringList('JSON keys (any depth, case-insensitive) whose values are replaced.', { default: DEFAULT_MASKED_FIELDS })),
          patterns: Type.Optional(StringList('Regular expressions replaced in captured bodies (e.g. card numbers).')),
          replacement: Type.Optional(Type.String({ default: '***' })),
        },
        { additionalProperties: false },
      ),
    ),
    sinks: Type.Optional(Type.Array(Type.Union([JsonlSink, WebhookSink], { errorMessage: 'must be a jsonl or webhook sink' }), { description: 'Where call-log records are exported besides the store.' })),
    tracing: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean({ default: false, description: 'Export OpenTelemetry spans (OTLP/HTTP) and propagate W3C traceparent upstream.' })),
          endpoint: Type.Optional(Type.String({ pattern: '^https?://', description: 'OTLP/HTTP traces endpoint. Default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or http://127.0.0.1:4318/v1/traces.' })),
          headers: Type.Optional(Type.Record(Type.String(), Type.String())),
          sample_ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 1, description: 'Share of new traces recorded; an incoming sampled traceparent is always followed.' })),
          service_name: Type.Optional(Type.String({ default: 'sluice' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: 'Call logs, analytics, metrics and tracing (docs/observability.md).' },
);

export type ObservabilityConfig = Static<typeof ObservabilitySchema>;
export type SinkConfig = Static<typeof JsonlSink> | Static<typeof WebhookSink>;

export interface BodyRuleSettings {
  readonly request: boolean;
  readonly response: boolean;
  readonly maxBytes: number;
}

/** Plain settings (structured-clonable: they are sent to the telemetry worker). */
export interface TelemetrySettings {
  readonly enabled: boolean;
  readonly logs: { readonly enabled: boolean; readonly retentionDays: number; readonly buffer: number };
  readonly analytics: { readonly enabled: boolean; readonly flushMs: number; readonly retentionDays: { readonly minute: number; readonly hour: number; readonly day: number } };
  readonly bodies: readonly { readonly apis?: readonly string[]; readonly services?: readonly string[]; readonly routes?: readonly string[]; readonly rule: BodyRuleSettings }[];
  readonly masking: { readonly fields: readonly string[]; readonly patterns: readonly string[]; readonly replacement: string };
  readonly sinks: readonly SinkConfig[];
  readonly tracing: { readonly enabled: boolean; readonly endpoint?: string; readonly headers: Readonly<Record<string, string>>; readonly sampleRatio: number; readonly serviceName: string };
}

export function compileSettings(c: ObservabilityConfig | undefined): TelemetrySettings {
  const a = c?.analytics;
  return {
    enabled: c?.enabled ?? true,
    logs: { enabled: c?.logs?.enabled ?? true, retentionDays: c?.logs?.retention_days ?? 7, buffer: c?.logs?.buffer ?? 20_000 },
    analytics: {
      enabled: a?.enabled ?? true,
      flushMs: parseDuration(a?.flush_interval ?? '5s') ?? 5000,
      retentionDays: { minute: a?.retention_days?.minute ?? 2, hour: a?.retention_days?.hour ?? 35, day: a?.retention_days?.day ?? 400 },
    },
    bodies: (c?.bodies ?? []).map((b) => ({
      apis: b.apis,
      services: b.services,
      routes: b.routes,
      rule: { request: b.request ?? true, response: b.response ?? true, maxBytes: b.max_bytes ?? 8192 },
    })),
    masking: { fields: c?.masking?.fields ?? DEFAULT_MASKED_FIELDS, patterns: c?.masking?.patterns ?? [], replacement: c?.masking?.replacement ?? '***' },
    sinks: c?.sinks ?? [],
    tracing: {
      enabled: c?.tracing?.enabled ?? false,
      endpoint: c?.tracing?.endpoint,
      headers: c?.tracing?.headers ?? {},
      sampleRatio: c?.tracing?.sample_ratio ?? 1,
      serviceName: c?.tracing?.service_name ?? 'sluice',
    },
  };
}
