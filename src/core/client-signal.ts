/**
 * "The client went away", for the work a request starts (upstream calls, their timers, backoff).
 *
 * Not an AbortController: creating one, reading its lazily made AbortSignal and adding and removing
 * an `abort` listener (EventTarget) cost about 12 µs per request on this machine, about 100 times
 * a flag and a short listener list, which is all the AI routes need.
 */
export interface ClientSignal {
  readonly aborted: boolean;
  /** Calls `fn` once when the client goes away; at once if it already has. */
  onAbort(fn: () => void): void;
  /** Forgets `fn` (no-op when it was not registered or already called). */
  offAbort(fn: () => void): void;
}

export class ClientGone implements ClientSignal {
  private gone = false;
  private listeners: (() => void)[] | undefined;

  get aborted(): boolean {
    return this.gone;
  }

  onAbort(fn: () => void): void {
    if (this.gone) fn();
    else (this.listeners ??= []).push(fn);
  }

  offAbort(fn: () => void): void {
    const l = this.listeners;
    if (!l) return;
    const i = l.indexOf(fn);
    if (i >= 0) l.splice(i, 1);
  }

  /** Marks the client gone and calls each listener once (later registrations are called at once). */
  abort(): void {
    if (this.gone) return;
    this.gone = true;
    const l = this.listeners;
    this.listeners = undefined;
    if (l) for (const fn of l) fn();
  }
}
