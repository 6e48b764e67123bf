import type { BodyTap } from '../../gateway/taps.js';

/**
 * A bounded copy of the bodies of one request, fed by the data plane as bytes flow (nothing is
 * buffered beyond `max` per direction; the rest is only counted). Masked later, in the worker.
 */
export class BodyCapture implements BodyTap {
  req: Uint8Array[] | undefined;
  res: Uint8Array[] | undefined;
  reqSeen = 0;
  resSeen = 0;
  private reqKept = 0;
  private resKept = 0;

  constructor(readonly max: number, readonly wantRequest: boolean, readonly wantResponse: boolean) {}

  request(chunk: Uint8Array): void {
    if (!this.wantRequest) return;
    this.reqSeen += chunk.length;
    if (this.reqKept >= this.max) return;
    const part = chunk.subarray(0, this.max - this.reqKept);
    (this.req ??= []).push(Uint8Array.prototype.slice.call(part));
    this.reqKept += part.length;
  }

  response(chunk: Uint8Array): void {
    if (!this.wantResponse) return;
    this.resSeen += chunk.length;
    if (this.resKept >= this.max) return;
    const part = chunk.subarray(0, this.max - this.resKept);
    (this.res ??= []).push(Uint8Array.prototype.slice.call(part));
    this.resKept += part.length;
  }

  /** Drops the copied bytes once they were handed to the writer (the trace ring keeps only sizes). */
  release(): void {
    this.req = undefined;
    this.res = undefined;
  }

  /** What the trace shows (`sluice explain`, stored denials): sizes, never content. */
  toJSON(): BodySizes {
    return bodySizes(this);
  }
}

/** What a trace shows of captured bodies: their sizes, never their content. */
export interface BodySizes {
  readonly request_bytes?: number;
  readonly response_bytes?: number;
  readonly max_bytes: number;
}

export function bodySizes(b: Pick<CapturedBodies, 'wantRequest' | 'wantResponse' | 'reqSeen' | 'resSeen' | 'max'>): BodySizes {
  return { request_bytes: b.wantRequest ? b.reqSeen : undefined, response_bytes: b.wantResponse ? b.resSeen : undefined, max_bytes: b.max };
}

/** The shape a capture has after crossing to the worker (structured clone keeps fields, not methods). */
export interface CapturedBodies {
  readonly max: number;
  readonly wantRequest: boolean;
  readonly wantResponse: boolean;
  readonly req?: Uint8Array[];
  readonly res?: Uint8Array[];
  readonly reqSeen: number;
  readonly resSeen: number;
}
