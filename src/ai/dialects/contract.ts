import type { EmbeddingsRequest, EmbeddingsResponse } from '../../core/llm/embeddings.js';
import type { ProviderError } from '../../core/llm/errors.js';
import type { ChatChunk, ChatRequest, ChatResponse, FinishReason, Usage } from '../../core/llm/types.js';

/** A client request the dialect refuses, in the terms of the client's API (status 400 unless said). */
export interface DialectError {
  readonly status: number;
  /** The API's error type, e.g. `invalid_request_error`. */
  readonly type: string;
  readonly message: string;
  /** Path of the offending parameter, OpenAI style: `messages[2].content[0].image_url.url`. */
  readonly param?: string;
  readonly code?: string;
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DialectError };

/** An error body ready to send: status, headers (content-type, retry-after…) and text. */
export interface EncodedError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface StreamEncoderOptions {
  /** Response id shown to the client; defaults to the first chunk's id. */
  readonly id?: string;
  /** Model name shown to the client; defaults to each chunk's model. */
  readonly model?: string;
  /** Unix seconds; defaults to the first chunk's `created`. */
  readonly created?: number;
  /** The client asked for usage in the stream (OpenAI `stream_options.include_usage`). */
  readonly includeUsage?: boolean;
  /** Sluice's request id, carried by the error event of a failed stream. */
  readonly requestId?: string;
}

/**
 * Canonical chunks → the client API's SSE text. One instance per response; it tracks what was opened
 * (Anthropic content blocks, OpenAI roles) so `finish` and `error` close the stream correctly.
 */
export interface StreamEncoder {
  /** SSE text for one chunk (may be ''). `usage` is the latest snapshot (Anthropic `message_start` shows input tokens). */
  encode(chunk: ChatChunk, usage?: Usage): string;
  /** Final frames: OpenAI usage chunk (when asked) and `[DONE]`; Anthropic block stops, `message_delta`, `message_stop`. */
  finish(usage?: Usage, finishReason?: FinishReason): string;
  /** Final frames of a failed stream (OpenAI error data frame; Anthropic `event: error`). */
  error(e: ProviderError): string;
}

/** One inbound API (`/v1/chat/completions` or `/v1/messages`) as the client's SDK speaks it. */
export interface ChatDialect {
  readonly id: string;
  parseChatRequest(json: unknown): ParseResult<ChatRequest>;
  /** The response body object in the API's exact shape (serialise with JSON.stringify). */
  encodeResponse(res: ChatResponse, opts?: { readonly model?: string }): unknown;
  createStreamEncoder(opts?: StreamEncoderOptions): StreamEncoder;
  /** Upstream or request errors in the API's error shape. */
  encodeError(e: ProviderError | DialectError): EncodedError;
}

/** OpenAI-only inbound APIs beside chat. */
export interface EmbeddingsDialect {
  parseEmbeddingsRequest(json: unknown): ParseResult<EmbeddingsRequest>;
  encodeEmbeddingsResponse(res: EmbeddingsResponse, opts?: { readonly model?: string }): unknown;
}
