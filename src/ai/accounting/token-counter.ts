import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Token counts (gpt-tokenizer, o200k_base) in a worker thread. Loading the ranks evaluates a few MB
 * of JavaScript (two blocks of ~100 ms, about a second on a loaded machine), and byte-pair merging is
 * superlinear in the length of one pre-token (30,000 characters without a space: 1.5 s), so neither
 * may run on the event loop that relays every stream. One worker per process, started by `warm()`
 * (the AI runtime, once an ai service exists) or on first need; callers during its start-up wait for
 * that same start. An idle worker is unref'd: it never keeps the process alive.
 */

/** Plain CommonJS so it runs as is, from the sources under vitest as from the build. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { countTokens } = require(workerData.module);
countTokens('warm up');
parentPort.on('message', (m) => {
  try {
    parentPort.postMessage({ id: m.id, counts: m.texts.map((t) => countTokens(t)) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
parentPort.postMessage({ ready: true });
`;

/** A worker that failed is not restarted for this long (counts fall back meanwhile). */
const RETRY_MS = 30_000;

/** Longest piece counted at once: bounds the superlinear merge cost of a huge run without spaces. */
const PIECE = 4096;

type FromWorker = { readonly ready: true } | { readonly id: number; readonly counts?: number[]; readonly error?: string };

interface Pending {
  resolve(counts: number[]): void;
  reject(err: Error): void;
}

/** Callers of one turn: their texts cut into pieces, from `from` in the batch's list. */
interface Batch {
  readonly texts: string[];
  readonly waiters: { readonly from: number; readonly split: readonly string[][]; resolve(counts: number[]): void; reject(err: Error): void }[];
}

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);

/**
 * Cuts `text` into pieces of at most PIECE characters, before a single space between two words where
 * there is one (the tokenizer attaches that space to the next word, so prose counts the same).
 */
export function pieces(text: string): string[] {
  if (text.length <= PIECE) return [text];
  const out: string[] = [];
  let start = 0;
  while (text.length - start > PIECE) {
    let cut = start + PIECE;
    for (let i = text.lastIndexOf(' ', cut - 1); i > start + PIECE / 2; i = text.lastIndexOf(' ', i - 1)) {
      if (!isSpace(text[i - 1]) && !isSpace(text[i + 1])) {
        cut = i;
        break;
      }
    }
    out.push(text.slice(start, cut));
    start = cut;
  }
  out.push(text.slice(start));
  return out;
}

export class TokenCounter {
  private worker: Worker | undefined;
  private starting: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private batch: Batch | undefined;
  private nextId = 1;
  /** After a worker failed, none is started before this time (callers get the error at once). */
  private quietUntil = 0;
  private lastError: Error | undefined;
  /** Worker starts (one per process unless a worker died). */
  loads = 0;
  ready = false;

  constructor(private readonly module: string = createRequire(import.meta.url).resolve('gpt-tokenizer/encoding/o200k_base')) {}

  /** Starts the worker (once); resolves when it can count. */
  warm(): Promise<void> {
    if (this.starting) return this.starting;
    if (this.lastError && Date.now() < this.quietUntil) return Promise.reject(this.lastError);
    this.loads++;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.module }, name: 'sluice-token-counter' });
    this.worker = w;
    this.starting = new Promise<void>((resolve, reject) => {
      w.on('message', (m: FromWorker) => {
        if ('ready' in m) {
          this.ready = true;
          if (this.pending.size === 0) w.unref();
          resolve();
          return;
        }
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.pending.size === 0) w.unref();
        if (m.counts) p?.resolve(m.counts);
        else p?.reject(new Error(m.error ?? 'the token counter failed'));
      });
      const stop = (err: Error) => {
        if (this.worker !== w) return;
        this.worker = undefined;
        this.starting = undefined; // the next need starts a new worker
        this.ready = false;
        this.lastError = err;
        this.quietUntil = Date.now() + RETRY_MS;
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      w.once('error', stop);
      w.once('exit', (code) => stop(new Error(`the token counter stopped (exit code ${code})`)));
    });
    return this.starting;
  }

  /**
   * Token counts of each text. Calls made in one turn of the event loop share one message to the
   * worker (flushed by `setImmediate`): under load many streams end together, and each message costs
   * a structured clone and a wake-up of the worker thread, which shares the proxy's core.
   */
  async count(texts: readonly string[]): Promise<number[]> {
    await this.warm();
    if (!this.worker) throw new Error('the token counter stopped');
    const split = texts.map(pieces);
    return new Promise<number[]>((resolve, reject) => {
      let b = this.batch;
      if (!b) {
        b = this.batch = { texts: [], waiters: [] };
        setImmediate(() => this.flush());
      }
      const from = b.texts.length;
      for (const ps of split) for (const p of ps) b.texts.push(p);
      b.waiters.push({ from, split, resolve, reject });
    });
  }

  /** Sends the texts gathered in this turn as one message; each caller gets its own counts back. */
  private flush(): void {
    const b = this.batch;
    this.batch = undefined;
    if (!b) return;
    const w = this.worker;
    if (!w) {
      const err = this.lastError ?? new Error('the token counter stopped');
      for (const x of b.waiters) x.reject(err);
      return;
    }
    const id = this.nextId++;
    this.pending.set(id, {
      resolve: (counts) => {
        for (const x of b.waiters) {
          let k = x.from;
          x.resolve(x.split.map((ps) => ps.reduce((n) => n + counts[k++]!, 0)));
        }
      },
      reject: (err) => {
        for (const x of b.waiters) x.reject(err);
      },
    });
    w.ref(); // held while a count is pending, so an awaited count keeps the process alive
    w.postMessage({ id, texts: b.texts });
  }

  /** Stops the worker (pending counts are rejected); a later need starts a new one. */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    await w.terminate();
    this.quietUntil = 0;
  }
}
