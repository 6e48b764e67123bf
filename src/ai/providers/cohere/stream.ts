import { SseDecoder, type SseEvent } from '../../../core/llm/codecs/sse.js';
import type { StreamTranslator } from '../../../core/llm/stream.js';
import type { ChatExchange } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { TRUNCATED } from '../shared/errors.js';
import { num, obj, parseObject, str, type Obj } from '../shared/json.js';
import { ChunkFactory, framedTranslator, type FrameHandler, type StepWriter } from '../shared/stream.js';
import { ToolCallState } from '../shared/tool-calls.js';
import { finishFromCohere, usageFromCohere } from './mapping.js';

/**
 * Cohere v2 chat SSE (`event: <type>` + `data: {"type": …}`) → canonical chunks. Content blocks of
 * type `thinking` stream as reasoning; `tool-plan-delta` streams as content (as the non-streaming
 * translation does); tool-call indices become canonical 0, 1… in order of appearance; `message-end`
 * carries the finish reason and usage and ends the stream.
 */
class CohereStreamHandler implements FrameHandler<SseEvent> {
  private readonly chunks: ChunkFactory;
  private readonly tools = new ToolCallState();
  /** Content-block indices that are `thinking` blocks. */
  private readonly thinking = new Set<number>();

  constructor(private readonly ex: ChatExchange) {
    this.chunks = new ChunkFactory(newId(ex.ctx, 'cohere-'), ex.target.providerModel, nowSec(ex.ctx));
  }

  frame(ev: SseEvent, out: StepWriter): void {
    if (ev.data === '[DONE]' || ev.data.trim() === '') return;
    const j = parseObject(ev.data, 'Cohere stream event');
    const message = obj(obj(j.delta).message);
    switch (str(j.type) ?? ev.event) {
      case 'message-start':
        this.chunks.id = str(j.id) ?? this.chunks.id;
        out.chunks.push(this.chunks.make(0, {}));
        return;
      case 'content-start': {
        const c = obj(message.content);
        if (c.type === 'thinking') this.thinking.add(num(j.index) ?? 0);
        return this.text(num(j.index) ?? 0, c, out);
      }
      case 'content-delta':
        return this.text(num(j.index) ?? 0, obj(message.content), out);
      case 'tool-plan-delta': {
        const plan = str(message.tool_plan);
        if (plan) out.chunks.push(this.chunks.make(0, { content: plan }));
        return;
      }
      case 'tool-call-start': {
        const tc = obj(message.tool_calls);
        const fn = obj(tc.function);
        const index = num(j.index) ?? this.tools.count(0);
        out.chunks.push(this.chunks.make(0, { toolCalls: [this.tools.start(0, index, str(tc.id) ?? newId(this.ex.ctx, 'call_'), str(fn.name) ?? '')] }));
        const d = this.tools.args(0, index, str(fn.arguments) ?? '');
        if (d) out.chunks.push(this.chunks.make(0, { toolCalls: [d] }));
        return;
      }
      case 'tool-call-delta': {
        const d = this.tools.args(0, num(j.index) ?? 0, str(obj(obj(message.tool_calls).function).arguments) ?? '');
        if (d) out.chunks.push(this.chunks.make(0, { toolCalls: [d] }));
        return;
      }
      case 'message-end':
        return this.messageEnd(obj(j.delta), out);
      default:
        // content-end, tool-call-end, citation-start/end, debug: nothing to translate.
        return;
    }
  }

  end(out: StepWriter): void {
    out.error = TRUNCATED;
  }

  private text(index: number, c: Obj, out: StepWriter): void {
    if (this.thinking.has(index)) {
      const t = str(c.thinking) ?? str(c.text);
      if (t) out.chunks.push(this.chunks.make(0, { reasoning: t }));
      return;
    }
    const t = str(c.text);
    if (t) out.chunks.push(this.chunks.make(0, { content: t }));
  }

  private messageEnd(d: Obj, out: StepWriter): void {
    out.usage = usageFromCohere(obj(d.usage));
    const error = str(d.error);
    if (error !== undefined && error !== '') {
      out.error = { status: 502, kind: 'server', message: error, providerCode: str(d.finish_reason) ?? 'ERROR' };
      return;
    }
    const empty = this.tools.fillEmpty(0);
    out.chunks.push(this.chunks.make(0, empty.length > 0 ? { toolCalls: empty } : {}, finishFromCohere(str(d.finish_reason))));
    out.done = true;
  }
}

export function cohereStreamTranslator(ex: ChatExchange): StreamTranslator {
  return framedTranslator(new SseDecoder(), new CohereStreamHandler(ex));
}
