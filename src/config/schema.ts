import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { Duration, Id, Method, StringList } from './schema-helpers.js';

/** A policy attached to the gateway (global), a service, a route or a consumer. */
export const PolicyAttachmentSchema = Type.Object(
  {
    name: Type.String({ description: 'Policy kind, e.g. `ip-restriction` (see docs/policies).', minLength: 1 }),
    id: Type.Optional(Id('Stable policy id. Defaults to `<scope>:<owner>:<name>`, e.g. `route:orders:rate-limit`.')),
    enabled: Type.Optional(Type.Boolean({ description: '`false` switches this policy (and same-named ones of broader scopes) off.', default: true })),
    mode: Type.Optional(
      Type.Union([Type.Literal('enforce'), Type.Literal('shadow')], {
        description: '`shadow` evaluates and records in the trace but never enforces.',
        default: 'enforce',
        errorMessage: 'must be "enforce" or "shadow"',
      }),
    ),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Policy settings; see the policy\'s schema.' })),
  },
  { additionalProperties: false },
);
export type PolicyAttachmentConfig = Static<typeof PolicyAttachmentSchema>;

const Policies = () => Type.Optional(Type.Array(PolicyAttachmentSchema, { description: 'Policies attached at this scope.' }));
const Tags = () => Type.Optional(StringList('Free-form labels.'));

export const TargetSchema = Type.Union(
  [
    Type.String({ description: 'Target URL, e.g. `http://10.0.0.5:8080`.' }),
    Type.Object(
      {
        url: Type.String({ description: 'Target URL (http or https, no path).' }),
        weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 100, description: 'Relative share of traffic; 0 takes the target out.' })),
      },
      { additionalProperties: false },
    ),
  ],
  { errorMessage: 'must be a URL string or { url, weight }' },
);

export const UpstreamSchema = Type.Object(
  {
    targets: Type.Array(TargetSchema, { minItems: 1, description: 'Where requests go.' }),
    balance: Type.Optional(
      Type.Union([Type.Literal('round-robin'), Type.Literal('least-connections')], {
        default: 'round-robin',
        description: 'Weighted smooth round-robin, or the target with the fewest requests in flight.',
        errorMessage: 'must be "round-robin" or "least-connections"',
      }),
    ),
    preserve_host: Type.Optional(Type.Boolean({ default: false, description: 'Forward the client\'s Host header instead of the target\'s.' })),
    timeouts: Type.Optional(
      Type.Object(
        {
          connect: Type.Optional(Duration('Time to open a connection.', { default: '5s' })),
          first_byte: Type.Optional(Duration('Time from sending the request to the response headers.', { default: '60s' })),
          total: Type.Optional(Duration('Time for the whole exchange, body included.', { default: '300s' })),
        },
        { additionalProperties: false },
      ),
    ),
    retries: Type.Optional(
      Type.Object(
        {
          attempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: 1, description: 'Extra attempts after the first.' })),
          backoff: Type.Optional(Duration('Base of the full-jitter backoff.', { default: '25ms' })),
          max_backoff: Type.Optional(Duration('Upper bound of one backoff.', { default: '250ms' })),
          on_status: Type.Optional(Type.Array(Type.Integer({ minimum: 500, maximum: 599 }), { description: 'Upstream statuses that are retried (idempotent methods only).', default: [502, 503, 504] })),
        },
        { additionalProperties: false },
      ),
    ),
    health: Type.Optional(
      Type.Object(
        {
          active: Type.Optional(
            Type.Object(
              {
                path: Type.String({ default: '/', description: 'Path probed with GET.' }),
                interval: Type.Optional(Duration('Time between probes.', { default: '10s' })),
                timeout: Type.Optional(Duration('Probe timeout.', { default: '2s' })),
                healthy_threshold: Type.Optional(Type.Integer({ minimum: 1, default: 2 })),
                unhealthy_threshold: Type.Optional(Type.Integer({ minimum: 1, default: 3 })),
                expected_status: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { description: 'Healthy statuses (default 200-399).' })),
              },
              { additionalProperties: false },
            ),
          ),
          passive: Type.Optional(
            Type.Object(
              {
                failures: Type.Optional(Type.Integer({ minimum: 1, default: 5, description: 'Consecutive failures that eject a target.' })),
                ejection: Type.Optional(Duration('How long an ejected target stays out before one trial request.', { default: '30s' })),
                on_status: Type.Optional(Type.Array(Type.Integer({ minimum: 500, maximum: 599 }), { description: 'Upstream statuses counted as failures.', default: [502, 503, 504] })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    pool: Type.Optional(
      Type.Object(
        {
          connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536, default: 256, description: 'Max connections per target.' })),
          keep_alive: Type.Optional(Duration('Idle keep-alive time of upstream connections.', { default: '60s' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ServiceSchema = Type.Object(
  {
    id: Id(),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String({ default: 'http', description: '`http` (proxy to `upstream`) or a kind registered by a module, e.g. `ai`.' })),
    upstream: Type.Optional(UpstreamSchema),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Settings of a non-http kind; see that kind\'s schema.' })),
    policies: Policies(),
    tags: Tags(),
  },
  { additionalProperties: false },
);

export const RouteSchema = Type.Object(
  {
    id: Id(),
    name: Type.Optional(Type.String()),
    service: Id('Id of the service this route forwards to.'),
    paths: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Paths, e.g. `/orders`, `/orders/:id`, `/files/*`. With `match: prefix` (default) every path below matches too.',
    }),
    match: Type.Optional(
      Type.Union([Type.Literal('prefix'), Type.Literal('exact')], { default: 'prefix', errorMessage: 'must be "prefix" or "exact"' }),
    ),
    methods: Type.Optional(Type.Array(Method(), { minItems: 1, description: 'Allowed methods; all when absent.' })),
    hosts: Type.Optional(StringList('Host names; `*.example.com` matches one label.', { minItems: 1 })),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
        description: 'Header name → required value (or any of several values).',
      }),
    ),
    strip_path: Type.Optional(Type.Boolean({ default: false, description: 'Remove the matched path prefix before forwarding.' })),
    rewrite: Type.Optional(Type.String({ description: 'Upstream path template: `{param}` for path params, `{*}` for the rest after a prefix.' })),
    error_format: Type.Optional(Type.String({ description: 'Error body dialect: `problem` (default) or one registered by a module (`openai`, `anthropic`).' })),
    policies: Policies(),
    tags: Tags(),
  },
  { additionalProperties: false },
);

export const CredentialSchema = Type.Object(
  {
    id: Id(),
    type: Type.String({ minLength: 1, description: 'Credential type, owned by a policy (e.g. `key-auth`).' }),
  },
  { additionalProperties: true, description: 'Further fields depend on the type; see the owning policy.' },
);

export const ConsumerSchema = Type.Object(
  {
    id: Id(),
    name: Type.Optional(Type.String()),
    groups: Type.Optional(StringList('Groups used by access control lists.')),
    credentials: Type.Optional(Type.Array(CredentialSchema)),
    policies: Policies(),
    tags: Tags(),
  },
  { additionalProperties: false },
);

export const GatewaySettingsSchema = Type.Object(
  {
    trusted_proxies: Type.Optional(
      StringList('CIDRs of proxies whose X-Forwarded-For and X-Request-Id are trusted.', { default: [] }),
    ),
    request_id_header: Type.Optional(Type.String({ default: 'x-request-id', description: 'Header carrying the request id.' })),
    trace_ring_size: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 256, description: 'Recent request traces kept in memory for `sluice explain` and `GET /traces` (older ones are read from the call logs, and denied ones from the store). A trace that outlives a young-generation collection is promoted and freed later by a full one: past a few hundred, the ring costs throughput and memory under load (1,000 cost 5–8 % of req/s and 70 MiB of RSS).' })),
    persist_traces: Type.Optional(
      Type.Union([Type.Literal('denied'), Type.Literal('none')], { default: 'denied', description: 'Which traces are persisted in the store.' }),
    ),
  },
  { additionalProperties: false },
);

/** The top-level sections every Sluice config has; modules (AI…) add more with `extendDocument`. */
export const CORE_SECTIONS = {
  format_version: Type.Optional(Type.Literal(1, { description: 'Config format version.' })),
  gateway: Type.Optional({ ...GatewaySettingsSchema, description: 'Listener-wide settings: trusted proxies, request ids, traces.' }),
  services: Type.Optional(Type.Array(ServiceSchema, { description: 'Where requests go: an HTTP upstream (targets, timeouts, retries, health checks) or a module kind such as `ai`.' })),
  routes: Type.Optional(Type.Array(RouteSchema, { description: 'Which requests go to which service: paths (prefix, exact, params), methods, hosts, headers; path stripping or rewriting.' })),
  consumers: Type.Optional(Type.Array(ConsumerSchema, { description: 'Who calls: groups for access lists, credentials owned by the authentication policies, consumer-scoped policies.' })),
  policies: Type.Optional(Type.Array(PolicyAttachmentSchema, { description: 'Global policies.' })),
};

/** Module sections are always optional: a document without an `ai:` section is a valid document. */
export function documentSchema(extraSections: TProperties = {}): TObject {
  const optional = Object.fromEntries(Object.entries(extraSections).map(([k, s]) => [k, Type.Optional(s)]));
  return Type.Object({ ...CORE_SECTIONS, ...optional }, { additionalProperties: false, $id: 'SluiceConfig' });
}

export type ServiceConfig = Static<typeof ServiceSchema>;
export type RouteConfig = Static<typeof RouteSchema>;
export type ConsumerConfig = Static<typeof ConsumerSchema>;
export type CredentialConfig = Static<typeof CredentialSchema> & Record<string, unknown>;
export type UpstreamConfig = Static<typeof UpstreamSchema>;
export type GatewaySettings = Static<typeof GatewaySettingsSchema>;
/** A config document: the core sections plus whatever module sections it carries. */
export type ConfigDocument = Static<TObject<typeof CORE_SECTIONS>> & Record<string, unknown>;
export type { TSchema };
