/**
 * The canonical chat model every provider adapter and inbound dialect translates to and from.
 * An OpenAI-chat-like superset: what one API cannot express is carried in optional fields
 * (reasoning signatures, cache hints, stop sequences) so a same-vendor round trip loses nothing.
 *
 * Token semantics follow OpenAI: `inputTokens` INCLUDES cached and cache-creation tokens,
 * `outputTokens` INCLUDES reasoning tokens. Adapters normalise (Anthropic and Gemini count apart).
 */

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

/** Why generation stopped. Provider-specific values map onto these; `error` ends a failed stream. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/** Prompt-caching hint (Anthropic `cache_control`, Bedrock `cachePoint`); ignored where unsupported. */
export interface CacheHint {
  readonly type: 'ephemeral';
  /** e.g. "5m" or "1h" (Anthropic). */
  readonly ttl?: string;
}

export interface TextPart {
  readonly type: 'text';
  readonly text: string;
  readonly cache?: CacheHint;
}

/** An image, by URL or inline. `mediaType` is required for inline data (e.g. "image/png"). */
export interface ImagePart {
  readonly type: 'image';
  readonly source: ImageSource;
  /** OpenAI's `detail`. */
  readonly detail?: 'auto' | 'low' | 'high';
  readonly cache?: CacheHint;
}

export type ImageSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'base64'; readonly mediaType: string; readonly data: string };

/** A document (PDF…) by URL or inline; providers without document input refuse it in `buildRequest`. */
export interface FilePart {
  readonly type: 'file';
  readonly source: ImageSource;
  readonly filename?: string;
  readonly cache?: CacheHint;
}

export type ContentPart = TextPart | ImagePart | FilePart;

/** A complete tool call. `arguments` is the JSON text as the model produced it (not re-serialised). */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
  /** Opaque provider token that must be sent back with the call (Gemini `thoughtSignature`). */
  readonly signature?: string;
}

/** One block of model reasoning. Anthropic needs `signature` (or `redacted`) echoed back verbatim. */
export interface ReasoningBlock {
  readonly text: string;
  readonly signature?: string;
  /** Opaque encrypted reasoning (Anthropic `redacted_thinking.data`). `text` is empty then. */
  readonly redacted?: string;
}

export interface ChatMessage {
  readonly role: ChatRole;
  /** `null` only for assistant messages that carry tool calls alone. */
  readonly content: string | readonly ContentPart[] | null;
  readonly name?: string;
  /** Assistant turns: the calls the model made. */
  readonly toolCalls?: readonly ToolCall[];
  /** Tool turns: the call this result answers. */
  readonly toolCallId?: string;
  /** Tool turns: the tool reported a failure (Anthropic `is_error`, Bedrock `status: error`). */
  readonly isError?: boolean;
  /** Tool turns: a cache breakpoint on the whole result (Anthropic `cache_control` on a `tool_result` block). */
  readonly cache?: CacheHint;
  /** Assistant turns: reasoning to send back (required by Anthropic when thinking + tools). */
  readonly reasoning?: readonly ReasoningBlock[];
  /** Assistant turns: a refusal the model gave earlier. */
  readonly refusal?: string;
}

/** A function the model may call. `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly strict?: boolean;
  readonly cache?: CacheHint;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly name: string;
      readonly schema: Readonly<Record<string, unknown>>;
      readonly description?: string;
      readonly strict?: boolean;
    };

/** Reasoning controls: OpenAI `reasoning_effort`, Anthropic/Gemini thinking budgets. */
export interface ReasoningOptions {
  readonly effort?: 'none' | 'minimal' | 'low' | 'medium' | 'high';
  /** Explicit token budget (Anthropic `budget_tokens`, Gemini `thinkingBudget`). */
  readonly budgetTokens?: number;
  /** False turns thinking off where the provider allows it. */
  readonly enabled?: boolean;
}

export interface ChatRequest {
  /** The model name the client asked for (the gateway resolves it; adapters use `Target.providerModel`). */
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  readonly parallelToolCalls?: boolean;
  readonly responseFormat?: ResponseFormat;
  readonly temperature?: number;
  readonly topP?: number;
  /** Anthropic, Gemini, Cohere, Ollama; dropped for providers without it. */
  readonly topK?: number;
  readonly maxTokens?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly n?: number;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly logitBias?: Readonly<Record<string, number>>;
  readonly logprobs?: boolean;
  readonly topLogprobs?: number;
  readonly stream: boolean;
  /** The client asked for a usage chunk (`stream_options.include_usage`). Adapters ask upstream regardless. */
  readonly streamUsage?: boolean;
  readonly user?: string;
  readonly reasoning?: ReasoningOptions;
  /** Free-form tags some providers accept (OpenAI `metadata`, Anthropic `metadata.user_id` via `user`). */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Top-level fields of the client's body that the dialect does not model (OpenAI `store`,
   * `service_tier`, vLLM `min_p`; Anthropic `container`…). Adapters of the same wire family merge
   * them into the upstream body; other adapters ignore them (they would not understand them).
   */
  readonly passthrough?: Passthrough;
  /** Provider passthrough: merged last into the upstream body (operator- or client-supplied). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface Passthrough {
  readonly dialect: 'openai' | 'anthropic';
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Token usage. `totalTokens` = input + output. Optional counters are absent when the provider did not say. */
export interface Usage {
  /** All prompt tokens, including `cachedInputTokens` and `cacheCreationInputTokens`. */
  readonly inputTokens: number;
  /** All generated tokens, including `reasoningTokens`. */
  readonly outputTokens: number;
  readonly totalTokens: number;
  /** Prompt tokens read from the provider's cache. */
  readonly cachedInputTokens?: number;
  /** Prompt tokens written to the cache (Anthropic/Bedrock bill these differently). */
  readonly cacheCreationInputTokens?: number;
  readonly reasoningTokens?: number;
}

export interface TopLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly bytes: readonly number[] | null;
}

export interface TokenLogprob extends TopLogprob {
  readonly topLogprobs: readonly TopLogprob[];
}

export interface Logprobs {
  readonly content: readonly TokenLogprob[] | null;
  readonly refusal?: readonly TokenLogprob[] | null;
}

export interface AssistantMessage {
  readonly role: 'assistant';
  readonly content: string | null;
  readonly toolCalls?: readonly ToolCall[];
  readonly reasoning?: readonly ReasoningBlock[];
  readonly refusal?: string;
}

export interface ChatChoice {
  readonly index: number;
  readonly message: AssistantMessage;
  readonly finishReason: FinishReason;
  /** The stop sequence that matched, when the provider says (Anthropic `stop_sequence`). */
  readonly stopSequence?: string;
  readonly logprobs?: Logprobs;
}

export interface ChatResponse {
  readonly id: string;
  /** The model the provider reports (the gateway may show the client's alias instead). */
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
  readonly choices: readonly ChatChoice[];
  readonly usage: Usage;
  readonly systemFingerprint?: string;
  readonly serviceTier?: string;
}

/** A fragment of one tool call. `index` is the canonical position of the call in its choice (0, 1, …). */
export interface ToolCallDelta {
  readonly index: number;
  /** Present on the first fragment of a call. */
  readonly id?: string;
  /** Present on the first fragment of a call. */
  readonly name?: string;
  readonly argumentsDelta?: string;
  readonly signature?: string;
}

export interface ChatDelta {
  /** Present on the first chunk of each choice. */
  readonly role?: 'assistant';
  readonly content?: string;
  readonly reasoning?: string;
  /** Anthropic `signature_delta`: closes the current reasoning block. */
  readonly reasoningSignature?: string;
  /** Anthropic `redacted_thinking` block data. */
  readonly redactedReasoning?: string;
  readonly refusal?: string;
  readonly toolCalls?: readonly ToolCallDelta[];
}

/** One canonical stream event: a delta of one choice, and/or its finish reason. */
export interface ChatChunk {
  readonly id: string;
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
  readonly choiceIndex: number;
  readonly delta: ChatDelta;
  /** Set on the last chunk of the choice. */
  readonly finishReason?: FinishReason;
  readonly stopSequence?: string;
  readonly logprobs?: Logprobs;
  readonly systemFingerprint?: string;
  /** The tier that served the request (OpenAI `service_tier`), as the provider sent it. */
  readonly serviceTier?: string;
}
