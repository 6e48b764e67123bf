import type { ProviderError } from './errors.js';
import type { ChatChunk, Usage } from './types.js';

/**
 * What one `push` or `end` of a stream translator produced. Usage is part of the return value, never
 * a side channel: whoever forwards chunks also sees usage, so it cannot be dropped silently.
 */
export interface StreamStep {
  /** Canonical chunks to forward, in order (often empty: pings, partial frames). */
  readonly chunks: readonly ChatChunk[];
  /**
   * Cumulative usage so far (a snapshot that replaces any earlier one, never a delta). Set whenever it
   * changed. The last snapshot of the stream is the exchange's usage.
   */
  readonly usage?: Usage;
  /** The upstream failed mid-stream (error event after HTTP 200, malformed framing, truncation). */
  readonly error?: ProviderError;
  /** No further chunk or usage will come: the terminal event was seen, or the stream failed. */
  readonly done: boolean;
}

/**
 * Turns upstream response bytes into canonical chunks, one exchange per instance. Bytes may be split
 * anywhere (inside UTF-8 sequences, JSON strings, frame headers). State is explicit and per instance:
 * tool-call indices across parallel calls, the role on the first chunk, accumulated usage.
 */
export interface StreamTranslator {
  push(bytes: Uint8Array): StreamStep;
  /** The upstream body ended. Flushes buffered input; an incomplete stream yields `error`. */
  end(): StreamStep;
}

export const EMPTY_STEP: StreamStep = Object.freeze({ chunks: Object.freeze([]), done: false });
