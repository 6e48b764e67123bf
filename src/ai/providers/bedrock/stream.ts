import { AwsEventStreamDecoder, type EventStreamMessage } from '../../../core/llm/codecs/aws-eventstream.js';
import type { ProviderError } from '../../../core/llm/errors.js';
import type { StreamTranslator } from '../../../core/llm/stream.js';
import type { FinishReason, Usage } from '../../../core/llm/types.js';
import type { ChatExchange } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { TRUNCATED } from '../shared/errors.js';
import { num, obj, parseObject, str, type Obj } from '../shared/json.js';
import { ChunkFactory, framedTranslator, type FrameHandler, type StepWriter } from '../shared/stream.js';
import { ToolCallState } from '../shared/tool-calls.js';
import { bedrockErrorType, finishFromBedrock, usageFromBedrock } from './mapping.js';

const header = (m: EventStreamMessage, name: string): string | undefined => {
  const v = m.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/** An exception frame (`:message-type: exception`) or a protocol error frame (`:message-type: error`). */
function streamError(m: EventStreamMessage, kind: 'exception' | 'error'): ProviderError {
  if (kind === 'error') {
    const code = header(m, ':error-code');
    const mapped = bedrockErrorType(code) ?? { status: 502, kind: 'server' as const };
    return { ...mapped, message: header(m, ':error-message') ?? 'Bedrock stream failed', ...(code ? { providerCode: code } : {}) };
  }
  const type = header(m, ':exception-type');
  let body: Obj = {};
  try {
    body = parseObject(m.payload, 'Bedrock stream exception');
  } catch {
    // An unreadable exception payload still ends the stream with the exception's type.
  }
  const mapped = bedrockErrorType(type) ?? { status: 502, kind: 'server' as const };
  const message = str(body.message) ?? str(body.Message) ?? `Bedrock stream failed${type ? ` (${type})` : ''}`;
  return { ...mapped, message, ...(type ? { providerCode: type } : {}) };
}

/**
 * ConverseStream events → canonical chunks: messageStart → role chunk; contentBlockStart(toolUse) and
 * toolUse input fragments → tool calls indexed 0, 1… in order of appearance whatever the block index;
 * messageStop → finish reason; metadata → usage (cache counters folded into input). Exception frames
 * after the 200 become the step's error.
 */
class BedrockStreamHandler implements FrameHandler<EventStreamMessage> {
  private readonly chunks: ChunkFactory;
  private readonly tools = new ToolCallState();
  private finish: FinishReason | undefined;
  private usage: Usage | undefined;

  constructor(ex: ChatExchange) {
    this.chunks = new ChunkFactory(newId(ex.ctx, 'bedrock-'), ex.target.providerModel, nowSec(ex.ctx));
  }

  frame(m: EventStreamMessage, out: StepWriter): void {
    const type = header(m, ':message-type') ?? 'event';
    if (type === 'exception' || type === 'error') {
      out.error = streamError(m, type);
      return;
    }
    const j = parseObject(m.payload, 'Bedrock stream event');
    switch (header(m, ':event-type')) {
      case 'messageStart':
        out.chunks.push(this.chunks.make(0, {}));
        return;
      case 'contentBlockStart': {
        const tu = obj(obj(j.start).toolUse);
        const id = str(tu.toolUseId);
        if (id === undefined) return;
        out.chunks.push(this.chunks.make(0, { toolCalls: [this.tools.start(0, num(j.contentBlockIndex) ?? 0, id, str(tu.name) ?? '')] }));
        return;
      }
      case 'contentBlockDelta':
        return this.delta(num(j.contentBlockIndex) ?? 0, obj(j.delta), out);
      case 'messageStop': {
        this.finish = finishFromBedrock(str(j.stopReason));
        const empty = this.tools.fillEmpty(0);
        const chunk = this.chunks.make(0, empty.length > 0 ? { toolCalls: empty } : {}, this.finish);
        const stop = str(obj(j.additionalModelResponseFields).stop_sequence);
        out.chunks.push(stop ? { ...chunk, stopSequence: stop } : chunk);
        // Usage normally follows in `metadata`; if it came first, the stream is complete now.
        if (this.usage) out.done = true;
        return;
      }
      case 'metadata':
        this.usage = usageFromBedrock(obj(j.usage));
        out.usage = this.usage;
        if (this.finish !== undefined) out.done = true;
        return;
      default:
        // contentBlockStop, and event types added later, carry nothing to translate.
        return;
    }
  }

  end(out: StepWriter): void {
    // A stream that stopped but never sent `metadata` is complete, only without usage.
    if (this.finish !== undefined) out.done = true;
    else out.error = TRUNCATED;
  }

  private delta(index: number, d: Obj, out: StepWriter): void {
    const text = str(d.text);
    if (text !== undefined) {
      if (text) out.chunks.push(this.chunks.make(0, { content: text }));
      return;
    }
    if (d.toolUse !== undefined) {
      const tc = this.tools.args(0, index, str(obj(d.toolUse).input) ?? '');
      if (tc) out.chunks.push(this.chunks.make(0, { toolCalls: [tc] }));
      return;
    }
    if (d.reasoningContent !== undefined) {
      const rc = obj(d.reasoningContent);
      const t = str(rc.text);
      const sig = str(rc.signature);
      const redacted = str(rc.redactedContent);
      if (t) out.chunks.push(this.chunks.make(0, { reasoning: t }));
      else if (sig !== undefined) out.chunks.push(this.chunks.make(0, { reasoningSignature: sig }));
      else if (redacted !== undefined) out.chunks.push(this.chunks.make(0, { redactedReasoning: redacted }));
    }
  }
}

export function bedrockStreamTranslator(ex: ChatExchange): StreamTranslator {
  return framedTranslator(new AwsEventStreamDecoder(), new BedrockStreamHandler(ex));
}
