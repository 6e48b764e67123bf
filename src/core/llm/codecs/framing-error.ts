/** The upstream body is not valid in its declared framing (bad CRC, oversized frame, truncated input). */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

/** Default bound on one buffered frame/event/line: a stream can never make us buffer more. */
export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;

/** Incremental decoder of one framing; `push` may be called with bytes split anywhere. */
export interface FrameDecoder<T> {
  /** Complete frames found so far; throws `FramingError` on invalid input. */
  push(bytes: Uint8Array): T[];
  /** The body ended: flush what is complete, throw `FramingError` if a frame is cut off. */
  end(): T[];
}
