import { NdjsonDecoder } from '../../../core/llm/codecs/ndjson.js';
import type { ProviderError } from '../../../core/llm/errors.js';
import type { StreamTranslator } from '../../../core/llm/stream.js';
import type { ChatExchange } from '../contract.js';
import { newId } from '../shared/context.js';
import { classify, TRUNCATED } from '../shared/errors.js';
import { arr, obj, parseObject, str } from '../shared/json.js';
import { ChunkFactory, framedTranslator, type FrameHandler, type StepWriter } from '../shared/stream.js';
import { ToolCallState } from '../shared/tool-calls.js';
import { createdFromOllama, finishFromOllama, toolCallFromOllama, usageFromOllama } from './mapping.js';

/** `{"error":"…"}` as a line of a 200 stream: the model failed while generating. */
export function ollamaStreamError(e: unknown): ProviderError {
  const message = typeof e === 'string' ? e : str(obj(e).message) ?? 'Ollama stream failed';
  return { status: 500, kind: classify(500, undefined, message), message };
}

/**
 * Ollama `/api/chat` NDJSON → canonical chunks: one object per line with a message delta (content,
 * thinking, whole tool calls); the last has `done: true`, `done_reason` and the counters.
 */
class OllamaStreamHandler implements FrameHandler<string> {
  private readonly chunks: ChunkFactory;
  private readonly tools = new ToolCallState();
  private dated = false;

  constructor(private readonly ex: ChatExchange) {
    this.chunks = new ChunkFactory(newId(ex.ctx, 'chatcmpl-'), ex.target.providerModel, 0);
  }

  frame(line: string, out: StepWriter): void {
    const j = parseObject(line, 'Ollama stream line');
    if (j.error !== undefined) {
      out.error = ollamaStreamError(j.error);
      return;
    }
    if (!this.dated) {
      this.dated = true;
      this.chunks.created = createdFromOllama(j, this.ex.ctx);
      this.chunks.model = str(j.model) || this.chunks.model;
    }
    const m = obj(j.message);
    const thinking = str(m.thinking);
    if (thinking) out.chunks.push(this.chunks.make(0, { reasoning: thinking }));
    const content = str(m.content);
    if (content) out.chunks.push(this.chunks.make(0, { content }));
    for (const raw of arr(m.tool_calls)) {
      const call = toolCallFromOllama(raw, this.ex.ctx);
      const key = this.tools.count(0);
      const first = this.tools.start(0, key, call.id, call.name);
      const args = this.tools.args(0, key, call.arguments);
      out.chunks.push(this.chunks.make(0, { toolCalls: [args ? { ...first, argumentsDelta: args.argumentsDelta } : first] }));
    }
    if (j.done === true) {
      out.usage = usageFromOllama(j);
      out.chunks.push(this.chunks.make(0, {}, finishFromOllama(str(j.done_reason), this.tools.count(0) > 0)));
      out.done = true;
    } else if (j.done !== false && j.message === undefined) {
      // Neither a delta nor the final object: not an /api/chat stream.
      out.error = { status: 502, kind: 'bad_response', message: 'Ollama stream line is not a chat message' };
    }
  }

  end(out: StepWriter): void {
    out.error = TRUNCATED;
  }
}

export function ollamaStreamTranslator(ex: ChatExchange): StreamTranslator {
  return framedTranslator(new NdjsonDecoder(), new OllamaStreamHandler(ex));
}
