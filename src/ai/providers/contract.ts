import type { EmbeddingsRequest, EmbeddingsResponse } from '../../core/llm/embeddings.js';
import type { ProviderError } from '../../core/llm/errors.js';
import type { StreamTranslator } from '../../core/llm/stream.js';
import type { ChatRequest, ChatResponse, Usage } from '../../core/llm/types.js';

/** Lower-case response header names, as Node and undici give them. */
export type ResponseHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * One configured upstream of a model: where and how to call it. Built by the gateway from the catalog;
 * adapters read only what their provider needs.
 */
export interface Target {
  /** The model id the provider expects (`gpt-4o-mini`, `claude-sonnet-4-5`, `anthropic.claude-3-haiku…`). */
  readonly providerModel: string;
  /** Absolute base URL without a trailing slash, e.g. `https://api.openai.com/v1` (see each adapter's `defaultBaseUrl`). */
  readonly baseUrl: string;
  /** API key or bearer token (Vertex AI: an OAuth access token the gateway obtained). */
  readonly apiKey?: string;
  /** Azure `api-version`, Anthropic `anthropic-version`. */
  readonly apiVersion?: string;
  /** Azure deployment name (defaults to `providerModel`). */
  readonly deployment?: string;
  /** AWS region (Bedrock) or Google Cloud location (Vertex AI). */
  readonly region?: string;
  /** Bedrock SigV4 credentials; without them `apiKey` is sent as a Bedrock API key (bearer). */
  readonly awsCredentials?: AwsCredentials;
  /** Google Cloud project (Vertex AI); OpenAI project id (`OpenAI-Project`). */
  readonly project?: string;
  /** OpenAI organization id (`OpenAI-Organization`). */
  readonly organization?: string;
  /** Sent with every call, after the adapter's own headers (so they can override them). */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/** Sources of time and ids, injectable so translation stays deterministic under test. */
export interface CallContext {
  /** Milliseconds since the epoch (SigV4 dates, synthesised `created`). Defaults to `Date.now`. */
  readonly now?: () => number;
  /** A fresh id for responses the provider does not number (Bedrock, Ollama, Gemini tool calls). */
  readonly newId?: () => string;
}

/** One chat exchange with one target: what every chat function of an adapter receives. */
export interface ChatExchange {
  readonly request: ChatRequest;
  readonly target: Target;
  readonly ctx?: CallContext;
}

export interface EmbeddingsExchange {
  readonly request: EmbeddingsRequest;
  readonly target: Target;
  readonly ctx?: CallContext;
}

/** How the upstream response body is framed; the gateway hands the bytes to the translator as they come. */
export type ResponseFraming = 'json' | 'sse' | 'ndjson' | 'aws-eventstream' | 'json-array-stream';

/** The HTTP call to make upstream. Pure data: the gateway sends it. */
export interface UpstreamCall {
  readonly method: 'POST' | 'GET';
  /** Absolute URL derived from `Target.baseUrl`. */
  readonly url: string;
  /** Final headers, including auth and content-type (lower-case names). */
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array;
  /** True when the response is consumed with `createStreamTranslator`. */
  readonly stream: boolean;
  /** Framing of a successful response body. Error bodies are always given whole to `parseError`. */
  readonly responseFormat: ResponseFraming;
}

export interface ParsedChat {
  readonly response: ChatResponse;
  readonly usage: Usage;
}

export interface ParsedEmbeddings {
  readonly response: EmbeddingsResponse;
  readonly usage: Usage;
}

/**
 * Chat translation for one provider. `buildRequest` and `parseResponse` throw `ProviderFailure`
 * (kind `invalid_request` with `param`, or `bad_response`); stream translators never throw.
 */
export interface ChatCodec {
  buildRequest(ex: ChatExchange): UpstreamCall;
  /** A complete 2xx body of a non-streaming call. */
  parseResponse(ex: ChatExchange, body: Uint8Array, headers: ResponseHeaders): ParsedChat;
  /** A fresh translator for the 2xx body of one streaming call. */
  createStreamTranslator(ex: ChatExchange): StreamTranslator;
}

export interface EmbeddingsCodec {
  buildRequest(ex: EmbeddingsExchange): UpstreamCall;
  parseResponse(ex: EmbeddingsExchange, body: Uint8Array, headers: ResponseHeaders): ParsedEmbeddings;
}

export interface ModelInfo {
  readonly id: string;
  readonly ownedBy?: string;
  /** Unix seconds. */
  readonly created?: number;
}

/** Listing the provider's models (for catalog discovery in the console). */
export interface ModelsCodec {
  buildRequest(target: Target): UpstreamCall;
  parseResponse(body: Uint8Array): readonly ModelInfo[];
}

/** What the provider supports; the gateway refuses or degrades requests that need more. */
export interface ProviderCapabilities {
  readonly streaming: boolean;
  readonly tools: boolean;
  /** Streamed tool calls arrive as argument fragments (false: whole calls in one chunk). */
  readonly toolStreaming: boolean;
  readonly vision: boolean;
  readonly jsonSchema: boolean;
  readonly reasoning: boolean;
  /** `n > 1` choices per request. */
  readonly multipleChoices: boolean;
  readonly logprobs: boolean;
  /** Usage is reported on streams (false: the gateway must count tokens itself). */
  readonly streamUsage: boolean;
  readonly embeddings: boolean;
}

/** How the adapter authenticates; tells the catalog which `Target` fields to ask for. */
export type AuthScheme = 'bearer' | 'x-api-key' | 'api-key-header' | 'x-goog-api-key' | 'sigv4' | 'none';

/** One provider. Adapters are stateless; per-exchange state lives in stream translators. */
export interface ProviderAdapter {
  /** Kebab-case id = folder name under src/ai/providers = catalog `provider` value. */
  readonly id: string;
  readonly displayName: string;
  /** Used when the catalog gives no base URL. Absent for self-hosted servers and per-tenant hosts. */
  readonly defaultBaseUrl?: string;
  /**
   * The default base URL when it depends on the provider's location (Vertex AI's regional hosts);
   * wins over `defaultBaseUrl`. Called once per config version.
   */
  defaultBaseUrlFor?(settings: { readonly region?: string; readonly project?: string }): string | undefined;
  readonly auth: AuthScheme;
  /** `Target` fields that must be set besides `providerModel` and `baseUrl`. */
  readonly requires?: readonly (keyof Target)[];
  readonly capabilities: ProviderCapabilities;
  /** Provider API reference the adapter follows. */
  readonly docsUrl?: string;
  readonly chat: ChatCodec;
  readonly embeddings?: EmbeddingsCodec;
  readonly models?: ModelsCodec;
  /** Any non-2xx response (body whole, possibly empty or not JSON). Never throws. */
  parseError(status: number, headers: ResponseHeaders, body: Uint8Array): ProviderError;
}
