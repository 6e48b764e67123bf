import { JsonArrayStreamDecoder } from '../../../core/llm/codecs/json-array.js';
import type { FrameDecoder } from '../../../core/llm/codecs/framing-error.js';
import { SseDecoder } from '../../../core/llm/codecs/sse.js';
import type { StreamTranslator } from '../../../core/llm/stream.js';
import type { ChatChunk, ChatDelta, Usage } from '../../../core/llm/types.js';
import type { ChatExchange } from '../contract.js';
import { newId } from '../shared/context.js';
import { TRUNCATED } from '../shared/errors.js';
import { arr, isObj, num, obj, parseObject, str, type Obj } from '../shared/json.js';
import { ChunkFactory, framedTranslator, type FrameHandler, type StepWriter } from '../shared/stream.js';
import { ToolCallState } from '../shared/tool-calls.js';
import { errorFromStatus } from './errors.js';
import { finishFromGemini, logprobsFromGemini, usageFromGemini } from './mapping.js';
import { createdOf, toolCallFromPart } from './response.js';

/** The `data:` payloads of an SSE body (Gemini `alt=sse`). */
class SseData implements FrameDecoder<string> {
  private readonly sse = new SseDecoder();
  push(bytes: Uint8Array): string[] {
    return this.sse.push(bytes).map((e) => e.data).filter((d) => d.trim().length > 0);
  }
  end(): string[] {
    return this.sse.end().map((e) => e.data).filter((d) => d.trim().length > 0);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Gemini stream chunks → canonical chunks. Every chunk is a whole `GenerateContentResponse`:
 * parts are deltas, `usageMetadata` is a cumulative snapshot (it may even shrink: the last one
 * wins), function calls arrive whole. There is no terminal event: the body ending after every
 * candidate gave a `finishReason` is the end, anything else is a truncated stream.
 */
class GeminiStreamHandler implements FrameHandler<string> {
  private readonly chunks: ChunkFactory;
  private readonly tools = new ToolCallState();
  private readonly calledTools = new Set<number>();
  private readonly open = new Set<number>();
  private readonly finished = new Set<number>();
  private identified = false;
  private lastUsage = '';

  constructor(private readonly ex: ChatExchange) {
    this.chunks = new ChunkFactory('', ex.target.providerModel, 0);
  }

  frame(text: string, out: StepWriter): void {
    const j = parseObject(text, 'Gemini stream chunk');
    if (isObj(j.error)) {
      out.error = errorFromStatus(j.error, 0, {}, EMPTY);
      return;
    }
    if (!this.identified) this.identify(j);
    if (isObj(j.usageMetadata)) this.usage(usageFromGemini(j.usageMetadata), out);
    const candidates = arr(j.candidates);
    candidates.forEach((raw, pos) => this.candidate(obj(raw), pos, out));
    const blocked = str(obj(j.promptFeedback).blockReason);
    if (candidates.length === 0 && blocked !== undefined && !this.finished.has(0)) {
      this.finished.add(0);
      out.chunks.push(this.chunks.make(0, {}, 'content_filter'));
    }
  }

  end(out: StepWriter): void {
    const complete = this.finished.size > 0 && [...this.open].every((c) => this.finished.has(c));
    if (complete) out.done = true;
    else out.error = TRUNCATED;
  }

  private identify(j: Obj): void {
    this.identified = true;
    this.chunks.id = str(j.responseId) || newId(this.ex.ctx, 'gen-');
    this.chunks.model = str(j.modelVersion) || this.chunks.model;
    this.chunks.created = createdOf(j, this.ex.ctx);
  }

  private usage(u: Usage, out: StepWriter): void {
    const key = `${u.inputTokens}/${u.outputTokens}/${u.cachedInputTokens ?? ''}/${u.reasoningTokens ?? ''}`;
    if (key === this.lastUsage) return;
    this.lastUsage = key;
    out.usage = u;
  }

  private candidate(c: Obj, pos: number, out: StepWriter): void {
    const idx = num(c.index) ?? pos;
    if (this.finished.has(idx)) return;
    this.open.add(idx);
    const logprobs = logprobsFromGemini(c.logprobsResult);
    const emit = (delta: ChatDelta) => {
      const chunk: ChatChunk = this.chunks.make(idx, delta);
      out.chunks.push(logprobs && delta.content !== undefined ? { ...chunk, logprobs } : chunk);
    };
    for (const raw of arr(obj(c.content).parts)) {
      const p = obj(raw);
      if (isObj(p.functionCall)) {
        const call = toolCallFromPart(p, this.ex.ctx);
        const key = this.tools.count(idx);
        const first = this.tools.start(idx, key, call.id, call.name);
        const args = this.tools.args(idx, key, call.arguments);
        emit({ toolCalls: [args ? { ...first, argumentsDelta: args.argumentsDelta } : first] });
        this.calledTools.add(idx);
        continue;
      }
      const t = str(p.text);
      if (t) emit(p.thought === true ? { reasoning: t } : { content: t });
      const sig = str(p.thoughtSignature);
      if (sig) emit({ reasoningSignature: sig });
    }
    const reason = str(c.finishReason);
    if (reason !== undefined) {
      this.finished.add(idx);
      out.chunks.push(this.chunks.make(idx, {}, finishFromGemini(reason, this.calledTools.has(idx))));
    }
  }
}

/** A translator for one Gemini stream; `json-array-stream` is `streamGenerateContent` without `alt=sse`. */
export function geminiStreamTranslator(ex: ChatExchange, framing: 'sse' | 'json-array-stream' = 'sse'): StreamTranslator {
  const decoder: FrameDecoder<string> = framing === 'sse' ? new SseData() : new JsonArrayStreamDecoder();
  return framedTranslator(decoder, new GeminiStreamHandler(ex));
}
