import { ProviderFailure, type ProviderError } from '../../../core/llm/errors.js';
import type { FrameDecoder } from '../../../core/llm/codecs/framing-error.js';
import type { StreamStep, StreamTranslator } from '../../../core/llm/stream.js';
import type { ChatChunk, ChatDelta, FinishReason, Usage } from '../../../core/llm/types.js';
import { streamFailure } from './errors.js';

/** The step being built by one `push`/`end`: handlers append chunks and set usage, error or done. */
export class StepWriter implements StreamStep {
  readonly chunks: ChatChunk[] = [];
  usage: Usage | undefined = undefined;
  error: ProviderError | undefined = undefined;
  done = false;
}

/** What a provider's stream handler does with one decoded frame. */
export interface FrameHandler<F> {
  frame(frame: F, out: StepWriter): void;
  /** The body ended and no frame set `done`: finish (set `done`) or report truncation (set `error`). */
  end(out: StepWriter): void;
}

const FINISHED: StreamStep = Object.freeze({ chunks: Object.freeze([]), done: true });

/**
 * A StreamTranslator from a framing decoder and a provider handler. Never throws: framing errors,
 * malformed JSON and handler bugs become `error` on the step. After `done`, input is ignored.
 */
export function framedTranslator<F>(decoder: FrameDecoder<F>, handler: FrameHandler<F>): StreamTranslator {
  let finished = false;
  const run = (atEnd: boolean, bytes?: Uint8Array): StreamStep => {
    if (finished) return FINISHED;
    const w = new StepWriter();
    try {
      const frames = atEnd ? decoder.end() : decoder.push(bytes!);
      for (const f of frames) {
        handler.frame(f, w);
        if (w.done || w.error) break;
      }
      if (atEnd && !w.done && !w.error) handler.end(w);
    } catch (e) {
      w.error = e instanceof ProviderFailure ? e.error : streamFailure(e);
    }
    if (w.error) w.done = true;
    if (w.done) finished = true;
    return w;
  };
  return {
    push: (bytes) => run(false, bytes),
    end: () => run(true),
  };
}

/**
 * Builds canonical chunks with the response identity, and puts `role: 'assistant'` on the first
 * chunk of each choice whatever the provider sent.
 */
export class ChunkFactory {
  private readonly started: boolean[] = [];
  /** Per-response facts some providers repeat on every chunk (OpenAI), put on each chunk made. */
  systemFingerprint: string | undefined;
  serviceTier: string | undefined;

  constructor(
    public id: string,
    public model: string,
    public created: number,
  ) {}

  make(choice: number, delta: ChatDelta, finishReason?: FinishReason): ChatChunk {
    if (this.started[choice] !== true) {
      this.started[choice] = true;
      delta = { role: 'assistant', ...delta };
    }
    const c: { -readonly [K in keyof ChatChunk]: ChatChunk[K] } = {
      id: this.id,
      model: this.model,
      created: this.created,
      choiceIndex: choice,
      delta,
    };
    if (finishReason !== undefined) c.finishReason = finishReason;
    if (this.systemFingerprint !== undefined) c.systemFingerprint = this.systemFingerprint;
    if (this.serviceTier !== undefined) c.serviceTier = this.serviceTier;
    return c;
  }

  hasStarted(choice: number): boolean {
    return this.started[choice] === true;
  }
}
