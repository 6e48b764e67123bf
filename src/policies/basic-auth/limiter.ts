/**
 * scrypt runs on libuv's thread pool (4 threads by default), which DNS and file I/O share. A flood of
 * wrong passwords must not starve them: at most `RUNNING` derivations at once, process-wide, and a
 * bounded queue; beyond it a request is refused (503) instead of waiting without end.
 */
const RUNNING = 2;

export class VerifyLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** Runs `job` when a slot is free; undefined when `maxQueue` jobs already wait (the caller's bound). */
  run<T>(job: () => Promise<T>, maxQueue: number): Promise<T> | undefined {
    if (this.running >= RUNNING && this.waiting.length >= maxQueue) return undefined;
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        void job().then(resolve, reject).finally(() => {
          this.running--;
          this.waiting.shift()?.();
        });
      };
      if (this.running < RUNNING) start();
      else this.waiting.push(start);
    });
  }
}

/** One limiter for the process: the thread pool is shared by every basic-auth policy. */
export const limiter = new VerifyLimiter();
