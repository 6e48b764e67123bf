import { Type, type Static } from '@sinclair/typebox';
import { Duration, Id, StringList } from '../../config/schema-helpers.js';

/**
 * The one schema of the AI gateway's config: the top-level `ai:` section (providers, keys, models,
 * aliases, routing, catalog overrides) and the `config` of `kind: ai` services. It drives validation
 * (exact field paths), docs/ai.md and the admin API's OpenAPI document.
 */

const Weight = (what: string) =>
  Type.Integer({ minimum: 0, maximum: 1000, default: 100, description: `Relative share of ${what}; 0 takes it out of rotation.` });
const Priority = (what: string) =>
  Type.Integer({ minimum: 0, maximum: 100, default: 0, description: `Lower is tried first: ${what} of a higher priority number are used only when every lower one is unavailable.` });

export const SECRET_DESCRIPTION =
  'A sealed secret `enc:v1:…` (AES-256-GCM under the master key; `sluice secret seal` seals one), `env:NAME` (read from the environment at load) or `file:/path`. Plain text is refused (keys are encrypted at rest); `plain:…` opts in explicitly for keys that are not secrets (local servers, mocks).';

export const ProviderKeySchema = Type.Object(
  {
    id: Id('Key id, unique within the provider: shown in traces, logs and the admin status (never the secret).'),
    secret: Type.Optional(Type.String({ minLength: 1, description: `The API key (Vertex AI: an access token, or a service-account key JSON from which Sluice mints tokens). ${SECRET_DESCRIPTION}` })),
    aws_access_key_id: Type.Optional(Type.String({ minLength: 1, description: 'Bedrock SigV4: access key id (may be plain; it is not a secret).' })),
    aws_secret_access_key: Type.Optional(Type.String({ minLength: 1, description: `Bedrock SigV4: secret access key. ${SECRET_DESCRIPTION}` })),
    aws_session_token: Type.Optional(Type.String({ minLength: 1, description: `Bedrock SigV4: session token. ${SECRET_DESCRIPTION}` })),
    weight: Type.Optional(Weight('requests among keys of the same priority')),
    priority: Type.Optional(Priority('keys')),
  },
  { additionalProperties: false },
);

export const ProviderSchema = Type.Object(
  {
    id: Id('Provider id, referenced by model targets (e.g. `openai`, `azure-east`).'),
    type: Type.Optional(Type.String({ minLength: 1, description: 'Adapter: `openai`, `anthropic`, `azure-openai`, `gemini`, `bedrock`, `mistral`, `ollama`… (see docs/ai.md). Defaults to the id.' })),
    base_url: Type.Optional(Type.String({ minLength: 1, description: 'API base URL, e.g. `https://api.openai.com/v1`. Default: the adapter\'s.' })),
    keys: Type.Optional(Type.Array(ProviderKeySchema, { description: 'Provider credentials. Several keys are balanced by weight within a priority; a key answered 401 is taken out, one answered 429 cools down.' })),
    api_version: Type.Optional(Type.String({ description: 'Azure `api-version`, Anthropic `anthropic-version`.' })),
    region: Type.Optional(Type.String({ description: 'AWS region (Bedrock) or Google Cloud location (Vertex AI).' })),
    project: Type.Optional(Type.String({ description: 'Google Cloud project (Vertex AI) or OpenAI project id.' })),
    organization: Type.Optional(Type.String({ description: 'OpenAI organization id.' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra headers sent with every call to this provider.' })),
    timeouts: Type.Optional(
      Type.Object(
        { connect: Type.Optional(Duration('TCP/TLS connect timeout.', { default: '5s' })) },
        { additionalProperties: false },
      ),
    ),
    pool: Type.Optional(
      Type.Object(
        {
          connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536, default: 256, description: 'Max connections to this provider\'s origin.' })),
          keep_alive: Type.Optional(Duration('Idle keep-alive of upstream connections.', { default: '60s' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ModelTargetSchema = Type.Object(
  {
    provider: Id('Id of a provider in `ai.providers`.'),
    model: Type.String({ minLength: 1, description: 'Model id (Azure: deployment name) the provider expects.' }),
    weight: Type.Optional(Weight('this model\'s requests among targets of the same priority')),
    priority: Type.Optional(Priority('targets')),
  },
  { additionalProperties: false },
);

export const RetriesSchema = Type.Object(
  {
    attempts: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: 2, description: 'Extra attempts within the model (each may pick another target or key) before its fallbacks.' })),
    backoff: Type.Optional(Duration('Base of the full-jitter backoff between attempts: sleep = random(0, min(max_backoff, backoff × 2^n)).', { default: '100ms' })),
    max_backoff: Type.Optional(Duration('Upper bound of one backoff.', { default: '2s' })),
  },
  { additionalProperties: false },
);

export const RoutingSchema = Type.Object(
  {
    retries: Type.Optional(RetriesSchema),
    fallback_on: Type.Optional(
      Type.Object(
        {
          status: Type.Optional(Type.Array(Type.Integer({ minimum: 400, maximum: 599 }), { default: [429, 500, 502, 503, 504, 529], description: 'Upstream statuses that move to the next attempt (another target, key, or fallback model).' })),
          timeout: Type.Optional(Type.Boolean({ default: true, description: 'Move on after a per-attempt or first-token timeout.' })),
          connect_error: Type.Optional(Type.Boolean({ default: true, description: 'Move on after a refused, reset or unreadable connection.' })),
        },
        { additionalProperties: false },
      ),
    ),
    timeouts: Type.Optional(
      Type.Object(
        {
          attempt: Type.Optional(Duration('One attempt, from dispatch to the last byte (streams: to the end of the stream).', { default: '120s' })),
          first_token: Type.Optional(Duration('Streams: from dispatch to the first content chunk. Non-streaming calls use `attempt` only.', { default: '30s' })),
          overall: Type.Optional(Duration('Deadline of the whole request: every attempt, backoff and fallback.', { default: '300s' })),
        },
        { additionalProperties: false },
      ),
    ),
    circuit_breaker: Type.Optional(
      Type.Object(
        {
          failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'Consecutive failures (5xx, timeouts, connection errors) that open a target\'s circuit.' })),
          cooldown: Type.Optional(Duration('How long an open circuit skips the target before one trial request.', { default: '30s' })),
        },
        { additionalProperties: false },
      ),
    ),
    key_cooldown: Type.Optional(Duration('How long a key that got 429 without `retry-after` rests.', { default: '30s' })),
  },
  { additionalProperties: false },
);

export const ModelSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256, description: 'The model name clients send (`gpt-4o`, `claude-sonnet`); shown by `GET /v1/models`.' }),
    type: Type.Optional(Type.Union([Type.Literal('chat'), Type.Literal('embedding')], { default: 'chat', description: 'Which routes serve it.', errorMessage: 'must be "chat" or "embedding"' })),
    targets: Type.Array(ModelTargetSchema, { minItems: 1, description: '(provider, model) pairs this name is served by, balanced by weight within a priority.' }),
    fallbacks: Type.Optional(StringList('Other model names tried in order when every attempt on this one failed.')),
    routing: Type.Optional(RoutingSchema),
    hidden: Type.Optional(Type.Boolean({ default: false, description: 'Served but not listed by `GET /v1/models`.' })),
  },
  { additionalProperties: false },
);

export const PriceSchema = Type.Object(
  {
    input: Type.Optional(Type.Number({ minimum: 0, description: 'USD per 1M uncached input tokens.' })),
    output: Type.Optional(Type.Number({ minimum: 0, description: 'USD per 1M output tokens (reasoning included).' })),
    cached_input: Type.Optional(Type.Number({ minimum: 0, description: 'USD per 1M input tokens read from the provider cache.' })),
    cache_write: Type.Optional(Type.Number({ minimum: 0, description: 'USD per 1M input tokens written to the cache.' })),
    context_window: Type.Optional(Type.Integer({ minimum: 1, description: 'Max input + output tokens.' })),
    max_output: Type.Optional(Type.Integer({ minimum: 1, description: 'Max output tokens.' })),
  },
  { additionalProperties: false },
);

export const AiSectionSchema = Type.Object(
  {
    providers: Type.Array(ProviderSchema, { minItems: 1, description: 'Upstream LLM providers and their keys.' }),
    models: Type.Array(ModelSchema, { minItems: 1, description: 'The model names clients may ask for, and where each is served.' }),
    aliases: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), { description: 'Extra names for models, e.g. `fast: gpt-4o-mini`, `smart: claude-sonnet`.' })),
    routing: Type.Optional(RoutingSchema),
    catalog: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), PriceSchema, {
        description: 'Operator overrides of the built-in catalog, keyed `<provider type>/<model>` or `<model>`: prices (USD per 1M tokens), context window.',
      }),
    ),
  },
  { additionalProperties: false, description: 'The AI gateway: providers, keys, models, aliases, routing. Services of `kind: ai` serve them.' },
);

export const AiServiceSchema = Type.Object(
  {
    models: Type.Optional(StringList('Model names and aliases this service serves (`*` suffix = prefix match). Default: all.')),
    max_body: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb)?$' })], {
      default: '20mb',
      description: 'Largest request body the service reads (images inline make bodies large).',
      errorMessage: 'must be a byte count or a size such as "512kb" or "20mb"',
    })),
    estimate_usage: Type.Optional(Type.Boolean({ default: true, description: 'Count tokens locally (gpt-tokenizer) when the provider reports no usage.' })),
  },
  { additionalProperties: false },
);

export type AiSection = Static<typeof AiSectionSchema>;
export type ProviderConfig = Static<typeof ProviderSchema>;
export type ProviderKeyConfig = Static<typeof ProviderKeySchema>;
export type ModelConfig = Static<typeof ModelSchema>;
export type RoutingConfig = Static<typeof RoutingSchema>;
export type PriceConfig = Static<typeof PriceSchema>;
export type AiServiceConfig = Static<typeof AiServiceSchema>;
