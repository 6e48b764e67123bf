import type { ClientSignal } from '../../core/client-signal.js';
import { TransportError } from '../upstream/http.js';

/** Something an attempt scope can stop (the upstream exchange). */
export interface Abortable {
  abort(err: Error): void;
}

/**
 * The clocks of one attempt: per-attempt timeout, the request's overall deadline, the
 * time-to-first-token timer, and the client going away. Whichever fires first aborts the bound
 * exchange with a TransportError saying which it was. A committed stream keeps its scope until it ends.
 */
export class AttemptScope {
  private timer: NodeJS.Timeout | undefined;
  private ttft: NodeJS.Timeout | undefined;
  private target: Abortable | undefined;
  reason: TransportError | undefined;
  private readonly onClientAbort = (): void => this.fire(new TransportError('client_closed', 'the client closed the connection'));

  constructor(
    attemptMs: number,
    remainingMs: number,
    private readonly signal: ClientSignal,
  ) {
    const deadlineFirst = remainingMs <= attemptMs;
    const ms = Math.max(0, deadlineFirst ? remainingMs : attemptMs);
    this.timer = setTimeout(
      () => this.fire(deadlineFirst ? new TransportError('deadline', `the overall deadline passed`) : new TransportError('timeout', `no complete answer within the attempt timeout of ${attemptMs} ms`)),
      ms,
    );
    signal.onAbort(this.onClientAbort);
  }

  bind(target: Abortable): void {
    this.target = target;
    if (this.reason) target.abort(this.reason);
  }

  /** Streams: abort unless `firstToken()` is called within `ms`. */
  armFirstToken(ms: number): void {
    if (ms <= 0 || this.reason) return;
    this.ttft = setTimeout(() => this.fire(new TransportError('first_token_timeout', `no first token within ${ms} ms`)), ms);
  }

  firstToken(): void {
    if (this.ttft) clearTimeout(this.ttft);
    this.ttft = undefined;
  }

  private fire(err: TransportError): void {
    if (this.reason) return;
    this.reason = err;
    this.target?.abort(err);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.ttft) clearTimeout(this.ttft);
    this.timer = this.ttft = undefined;
    this.signal.offAbort(this.onClientAbort);
  }
}
