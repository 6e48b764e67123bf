import type { ChatRequest } from '../../../core/llm/types.js';
import type { AuthScheme, ProviderCapabilities, Target } from '../contract.js';

/** Canonical request fields a vendor refuses; `param` is the OpenAI name the client used. */
export type UnsupportedFeature =
  | 'tools'
  | 'response_format'
  | 'json_schema'
  | 'n'
  | 'logprobs'
  | 'logit_bias'
  | 'seed'
  | 'images'
  | 'name';

/** Fields dropped silently because they carry no meaning the vendor could honour (tags, hints). */
export type DroppedField = 'user' | 'metadata' | 'parallel_tool_calls' | 'stream_options' | 'frequency_penalty' | 'presence_penalty';

/**
 * How an OpenAI-compatible vendor differs from OpenAI. Everything is data except the few hooks that
 * Azure and Mistral need; a new vendor is an object literal.
 */
export interface CompatibleSpec {
  readonly id: string;
  readonly displayName: string;
  readonly defaultBaseUrl?: string;
  readonly docsUrl?: string;
  /** Default `bearer`. Local servers: `bearer` with `keyOptional`. */
  readonly auth?: AuthScheme;
  /** Send no Authorization header when the target has no key (local servers). */
  readonly keyOptional?: boolean;
  readonly chatPath?: string;
  /** `null`: no embeddings endpoint. Default `/embeddings`. */
  readonly embeddingsPath?: string | null;
  /** `null`: no models endpoint. Default `/models`. */
  readonly modelsPath?: string | null;
  /** Default `max_tokens`; OpenAI wants `max_completion_tokens`. */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /**
   * How usage reaches us on streams: `stream_options` (we ask with include_usage), `always` (sent
   * unasked; the vendor rejects stream_options), `none` (never: the gateway must count).
   */
  readonly streamUsage?: 'stream_options' | 'always' | 'none';
  /** The vendor understands the `developer` role (else it is sent as `system`). */
  readonly developerRole?: boolean;
  readonly topK?: boolean;
  /** How `reasoning` is sent: OpenAI `reasoning_effort`, OpenRouter `reasoning: {effort|max_tokens}`, or not at all. */
  readonly reasoningParam?: 'reasoning_effort' | 'openrouter' | 'none';
  /** Send `metadata` (OpenAI only). */
  readonly metadata?: boolean;
  readonly unsupported?: readonly UnsupportedFeature[];
  readonly drop?: readonly DroppedField[];
  /** Default headers (e.g. OpenRouter attribution); target extra headers win. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly capabilities?: Partial<ProviderCapabilities>;
  /** `Target` fields required besides providerModel/baseUrl. */
  readonly requires?: readonly (keyof Target)[];
  /** Hooks for the few vendors that need code. */
  readonly hooks?: CompatibleHooks;
}

export interface CompatibleHooks {
  /** Absolute URL of an endpoint (Azure deployments). */
  readonly url?: (target: Target, endpoint: 'chat' | 'embeddings' | 'models') => string;
  /** Auth headers (Azure `api-key`). */
  readonly authHeaders?: (target: Target) => Record<string, string>;
  /** Rewrite a tool-call id the vendor would refuse (Mistral: 9 alphanumerics). */
  readonly toolCallId?: (id: string) => string;
  /** Last change to the body (renamed fields). */
  readonly finishBody?: (body: Record<string, unknown>, req: ChatRequest) => void;
}

export const DEFAULT_CAPABILITIES: ProviderCapabilities = Object.freeze({
  streaming: true,
  tools: true,
  toolStreaming: true,
  vision: true,
  jsonSchema: true,
  reasoning: false,
  multipleChoices: true,
  logprobs: true,
  streamUsage: true,
  embeddings: true,
});
