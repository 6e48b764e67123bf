import type { ProviderError } from '../../core/llm/errors.js';
import type { StreamStep } from '../../core/llm/stream.js';
import type { FinishReason, Usage } from '../../core/llm/types.js';
import type { ResponseWriter } from '../../core/service-kind.js';
import type { StreamEncoder } from '../dialects/contract.js';
import { classifyTransport, TransportError } from '../upstream/http.js';
import type { AttemptScope } from '../routing/scope.js';
import type { ChatStream } from './attempt.js';

/** Output text seen in a stream, kept only to count tokens if the provider never says. */
export class OutputText {
  private readonly parts: string[] = [];
  add(s: string | undefined): void {
    if (s) this.parts.push(s);
  }
  text(): string {
    return this.parts.join('');
  }
}

export interface RelayOutcome {
  readonly usage: Usage | undefined;
  readonly finishReason: FinishReason | undefined;
  /** The stream reached its terminal event. */
  readonly complete: boolean;
  /** Why it did not (the client left: `clientClosed`). */
  readonly error?: ProviderError;
  readonly clientClosed: boolean;
  readonly chunks: number;
}

function transportToProvider(e: TransportError): ProviderError {
  const timeout = e.failure === 'timeout' || e.failure === 'deadline' || e.failure === 'first_token_timeout';
  return { status: timeout ? 504 : 502, kind: timeout ? 'timeout' : 'server', message: timeout ? `The provider stream exceeded its time limit (${e.failure}).` : 'The provider stream was interrupted.' };
}

/**
 * What a stream produced so far, step by step: canonical chunks through the dialect's encoder, the
 * latest usage snapshot (kept whether or not the client asked for it), the finish reason, the
 * upstream error. Shared by the relay and the dialect golden tests, so both encode alike.
 */
export class StreamProgress {
  usage: Usage | undefined;
  finishReason: FinishReason | undefined;
  chunks = 0;
  error: ProviderError | undefined;
  /** The terminal event was seen. */
  complete = false;

  constructor(
    private readonly encoder: StreamEncoder,
    private readonly out: OutputText,
  ) {}

  /** The client's SSE text for one translator step. */
  encode(step: StreamStep): string {
    if (step.usage) this.usage = step.usage;
    let text = '';
    for (const c of step.chunks) {
      this.chunks++;
      if (c.finishReason) this.finishReason = c.finishReason;
      const d = c.delta;
      this.out.add(d.content);
      this.out.add(d.reasoning);
      this.out.add(d.refusal);
      if (d.toolCalls) for (const t of d.toolCalls) this.out.add(t.argumentsDelta);
      text += this.encoder.encode(c, this.usage);
    }
    if (step.error) this.error = step.error;
    if (step.done && !step.error) this.complete = true;
    return text;
  }

  /** Closing frames: the error event of a failed stream, else the dialect's final frames with `usage`. */
  close(usage: Usage | undefined = this.usage): string {
    return this.error ? this.encoder.error(this.error) : this.encoder.finish(usage, this.finishReason);
  }
}

/** Client text held back while more upstream bytes are already queued; above this it is written at once. */
const COALESCE_LIMIT = 64 * 1024;

const isPromise = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * Relays a committed upstream stream to the client: canonical chunks through the dialect's encoder.
 * The text of every upstream read already queued is gathered and written at once, right before the
 * relay would wait for the upstream (so no frame waits for a later one): a token stream still goes
 * out read by read, while a burst (or a whole short stream in one read) is one write, one syscall,
 * instead of one per read. Writes are awaited, so the client's pace pauses the upstream socket.
 * Usage is tracked from every step whether or not the client asked for it. An upstream failure
 * after the 200 becomes the dialect's error event, then the stream closes. When a complete stream
 * carried no usage, `estimate` (local token counts) supplies the final usage frame.
 */
export async function relay(s: ChatStream, scope: AttemptScope, encoder: StreamEncoder, w: ResponseWriter, out: OutputText, estimate?: () => Promise<Usage | undefined>): Promise<RelayOutcome> {
  const p = new StreamProgress(encoder, out);
  let text = '';
  for (const step of s.steps) text += p.encode(step);
  let ended = s.ended;
  while (!ended && !p.error && !p.complete && !w.closed) {
    let chunk: Buffer | null;
    const next = s.upstream.next();
    if (isPromise(next) || text.length > COALESCE_LIMIT) {
      if (text) {
        await w.write(text);
        text = '';
        if (w.closed) break;
      }
      try {
        chunk = await next;
      } catch (err) {
        const t = scope.reason ?? classifyTransport(err);
        if (t.failure === 'client_closed') break;
        text += p.encode(s.translator.end());
        p.error ??= transportToProvider(t);
        break;
      }
    } else chunk = next;
    text += p.encode(chunk === null ? s.translator.end() : s.translator.push(chunk));
    if (chunk === null) ended = true;
  }
  const clientClosed = w.closed || scope.reason?.failure === 'client_closed';
  if (clientClosed) {
    s.upstream.abort(new TransportError('client_closed', 'the client closed the connection'));
    w.end();
  } else if (p.error) {
    s.upstream.abort(new TransportError('reset', 'stream failed'));
    w.end(text + p.close());
  } else {
    const shown = p.usage ?? (estimate ? await estimate() : undefined);
    // The client has its last frame before the upstream's trailing bytes are read.
    w.end(text + p.close(shown));
    if (!ended) await drain(s);
  }
  return { usage: p.usage, finishReason: p.finishReason, complete: p.complete && !clientClosed, error: clientClosed ? undefined : p.error, clientClosed, chunks: p.chunks };
}

/** Reads what is left after the terminal event, so the connection goes back to the pool. */
async function drain(s: ChatStream): Promise<void> {
  try {
    for (let n = 0; n < 64; n++) if ((await s.upstream.next()) === null) return;
    s.upstream.abort(new TransportError('reset', 'trailing data after the end of the stream'));
  } catch {
    /* the connection is gone either way */
  }
}
