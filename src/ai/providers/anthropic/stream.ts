import { SseDecoder, type SseEvent } from '../../../core/llm/codecs/sse.js';
import type { StreamTranslator } from '../../../core/llm/stream.js';
import type { Usage } from '../../../core/llm/types.js';
import type { ChatExchange } from '../contract.js';
import { nowSec } from '../shared/context.js';
import { num, obj, parseObject, str, type Obj } from '../shared/json.js';
import { ChunkFactory, framedTranslator, type FrameHandler, type StepWriter } from '../shared/stream.js';
import { TRUNCATED } from '../shared/errors.js';
import { ToolCallState } from '../shared/tool-calls.js';
import { anthropicErrorType, finishFromAnthropic, usageFromAnthropic } from './mapping.js';

/**
 * Anthropic Messages SSE → canonical chunks. Content-block indices become canonical tool-call
 * indices (0, 1… over tool_use blocks only); `message_start` usage (input and cache) and
 * `message_delta` usage (output, sometimes input again) are merged, never replaced by zeros.
 */
class AnthropicStreamHandler implements FrameHandler<SseEvent> {
  private readonly chunks: ChunkFactory;
  private readonly tools = new ToolCallState();
  /** Raw counters as Anthropic reports them; merged field by field. */
  private readonly raw: Record<string, number> = {};

  constructor(ex: ChatExchange) {
    this.chunks = new ChunkFactory('', ex.target.providerModel, nowSec(ex.ctx));
  }

  frame(ev: SseEvent, out: StepWriter): void {
    // The event name repeats `type`; the payload is the source of truth (SDK fixtures drop `event:`).
    if (ev.event === 'ping') return;
    const j = parseObject(ev.data, 'Anthropic stream event');
    switch (j.type) {
      case 'message_start': {
        const m = obj(j.message);
        this.chunks.id = str(m.id) ?? this.chunks.id;
        this.chunks.model = str(m.model) ?? this.chunks.model;
        out.usage = this.merge(obj(m.usage));
        out.chunks.push(this.chunks.make(0, {}));
        return;
      }
      case 'content_block_start':
        return this.blockStart(num(j.index) ?? 0, obj(j.content_block), out);
      case 'content_block_delta':
        return this.blockDelta(num(j.index) ?? 0, obj(j.delta), out);
      case 'message_delta': {
        const d = obj(j.delta);
        out.usage = this.merge(obj(j.usage));
        const empty = this.tools.fillEmpty(0);
        const stop = str(d.stop_sequence);
        const chunk = this.chunks.make(0, empty.length > 0 ? { toolCalls: empty } : {}, finishFromAnthropic(str(d.stop_reason)));
        out.chunks.push(stop ? { ...chunk, stopSequence: stop } : chunk);
        return;
      }
      case 'message_stop':
        out.done = true;
        return;
      case 'error': {
        const e = obj(j.error);
        const t = str(e.type);
        const mapped = anthropicErrorType(t) ?? { status: 500, kind: 'server' as const };
        out.error = { ...mapped, message: str(e.message) ?? 'Anthropic stream failed', ...(t ? { providerCode: t } : {}) };
        return;
      }
      default:
        // content_block_stop, ping, and event types added later carry nothing to translate.
        return;
    }
  }

  end(out: StepWriter): void {
    out.error = TRUNCATED;
  }

  private blockStart(index: number, b: Obj, out: StepWriter): void {
    switch (b.type) {
      case 'tool_use':
      case 'server_tool_use': {
        if (b.type === 'server_tool_use') return;
        const first = this.tools.start(0, index, str(b.id) ?? `toolu_${index}`, str(b.name) ?? '');
        out.chunks.push(this.chunks.make(0, { toolCalls: [first] }));
        // Some proxies put the whole input in the start block instead of streaming it.
        const input = b.input;
        if (input !== undefined && JSON.stringify(input) !== '{}') {
          const d = this.tools.args(0, index, JSON.stringify(input));
          if (d) out.chunks.push(this.chunks.make(0, { toolCalls: [d] }));
        }
        return;
      }
      case 'text': {
        const t = str(b.text);
        if (t) out.chunks.push(this.chunks.make(0, { content: t }));
        return;
      }
      case 'thinking': {
        const t = str(b.thinking);
        if (t) out.chunks.push(this.chunks.make(0, { reasoning: t }));
        return;
      }
      case 'redacted_thinking':
        out.chunks.push(this.chunks.make(0, { redactedReasoning: str(b.data) ?? '' }));
        return;
    }
  }

  private blockDelta(index: number, d: Obj, out: StepWriter): void {
    switch (d.type) {
      case 'text_delta': {
        const t = str(d.text);
        if (t) out.chunks.push(this.chunks.make(0, { content: t }));
        return;
      }
      case 'input_json_delta': {
        const tc = this.tools.args(0, index, str(d.partial_json) ?? '');
        if (tc) out.chunks.push(this.chunks.make(0, { toolCalls: [tc] }));
        return;
      }
      case 'thinking_delta': {
        const t = str(d.thinking);
        if (t) out.chunks.push(this.chunks.make(0, { reasoning: t }));
        return;
      }
      case 'signature_delta':
        out.chunks.push(this.chunks.make(0, { reasoningSignature: str(d.signature) ?? '' }));
        return;
    }
  }

  private merge(u: Obj): Usage {
    for (const k of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens']) {
      const v = num(u[k]);
      // message_delta may send input counters as 0 or null before they are known; keep the larger.
      if (v !== undefined && (this.raw[k] === undefined || v >= this.raw[k])) this.raw[k] = v;
    }
    return usageFromAnthropic(this.raw);
  }
}

export function anthropicStreamTranslator(ex: ChatExchange): StreamTranslator {
  return framedTranslator(new SseDecoder(), new AnthropicStreamHandler(ex));
}
