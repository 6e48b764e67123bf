import { SseDecoder, type SseEvent } from '../../../core/llm/codecs/sse.js';
import type { StreamTranslator } from '../../../core/llm/stream.js';
import type { ChatDelta, FinishReason, ToolCallDelta } from '../../../core/llm/types.js';
import type { ChatExchange } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { arr, isObj, num, obj, parseObject, str, type Obj } from '../shared/json.js';
import { ChunkFactory, framedTranslator, type FrameHandler, type StepWriter } from '../shared/stream.js';
import { ToolCallState } from '../shared/tool-calls.js';
import { errorFromObject } from './errors.js';
import { finishFromOpenAI, logprobsFromOpenAI, usageFromOpenAI } from './mapping.js';
import { thinkingText } from './response.js';

/**
 * OpenAI-style `chat.completion.chunk` SSE → canonical chunks. Handles what compatible servers do
 * differently: tool-call deltas without `index` or with a new `id` at a reused index, whole tool
 * calls in one chunk, `reasoning_content`/`reasoning`, Mistral content parts, usage on the last
 * content chunk or on a `choices: []` chunk, Groq `x_groq.usage`, and `{"error":…}` frames after 200.
 */
class OpenAIStreamHandler implements FrameHandler<SseEvent> {
  private readonly chunks: ChunkFactory;
  private readonly tools = new ToolCallState();
  /** Per choice: upstream tool index → the canonical call now at that index, and the last one used. */
  private readonly current = new Map<string, { key: string; id: string }>();
  private readonly lastKey: (string | undefined)[] = [];
  private readonly finished: boolean[] = [];
  private calls = 0;

  constructor(private readonly ex: ChatExchange) {
    this.chunks = new ChunkFactory('', ex.target.providerModel, nowSec(ex.ctx));
  }

  frame(ev: SseEvent, out: StepWriter): void {
    const data = ev.data;
    if (data === '[DONE]') {
      out.done = true;
      return;
    }
    if (data.length === 0) return;
    const j = parseObject(data, 'stream chunk');
    if (j.error !== undefined && j.error !== null) {
      out.error = errorFromObject(j.error, 502);
      return;
    }
    if (this.chunks.id === '') {
      const id = str(j.id);
      if (id) {
        this.chunks.id = id;
        const model = str(j.model);
        if (model) this.chunks.model = model;
        const created = num(j.created);
        if (created) this.chunks.created = created;
      }
    }
    // Repeated on every OpenAI chunk; the latest value wins (null leaves what was seen).
    const fp = str(j.system_fingerprint);
    if (fp) this.chunks.systemFingerprint = fp;
    const tier = str(j.service_tier);
    if (tier) this.chunks.serviceTier = tier;
    const usage = isObj(j.usage) ? j.usage : isObj(j.x_groq) && isObj(j.x_groq.usage) ? j.x_groq.usage : undefined;
    if (usage) out.usage = usageFromOpenAI(usage);
    for (const c of arr(j.choices)) this.choice(obj(c), out);
  }

  end(out: StepWriter): void {
    // No `[DONE]`: complete if every started choice finished (some servers omit it), else truncated.
    const open = this.finished.length === 0 || this.finished.some((f) => !f);
    if (open) out.error = { status: 502, kind: 'server', message: 'upstream stream ended before its final event' };
    else out.done = true;
  }

  private choice(c: Obj, out: StepWriter): void {
    if (this.chunks.id === '') this.chunks.id = newId(this.ex.ctx, 'chatcmpl-');
    const index = num(c.index) ?? 0;
    this.finished[index] ??= false;
    const d = obj(c.delta);
    const delta: { -readonly [K in keyof ChatDelta]: ChatDelta[K] } = {};
    const content = d.content;
    if (typeof content === 'string') {
      if (content.length > 0) delta.content = content;
    } else if (Array.isArray(content)) this.contentParts(content, delta);
    const reasoning = str(d.reasoning_content) ?? str(d.reasoning);
    if (reasoning) delta.reasoning = (delta.reasoning ?? '') + reasoning;
    const refusal = str(d.refusal);
    if (refusal) delta.refusal = refusal;
    if (Array.isArray(d.tool_calls)) {
      const tcs = this.toolCalls(index, d.tool_calls);
      if (tcs.length > 0) delta.toolCalls = tcs;
    }
    const fr = str(c.finish_reason);
    let finish: FinishReason | undefined;
    if (fr) {
      finish = finishFromOpenAI(fr);
      if (finish === 'stop' && this.tools.count(index) > 0) finish = 'tool_calls';
      const empty = this.tools.fillEmpty(index);
      if (empty.length > 0) delta.toolCalls = [...(delta.toolCalls ?? []), ...empty];
      this.finished[index] = true;
    }
    const lp = logprobsFromOpenAI(c.logprobs);
    const hasDelta = Object.keys(delta).length > 0;
    if (!hasDelta && finish === undefined && !lp && this.chunks.hasStarted(index)) return;
    const chunk = this.chunks.make(index, delta, finish);
    if (lp) (chunk as { logprobs?: typeof lp }).logprobs = lp;
    out.chunks.push(chunk);
  }

  private contentParts(parts: readonly unknown[], delta: { content?: string; reasoning?: string }): void {
    for (const p of parts) {
      const part = obj(p);
      if (part.type === 'text') {
        const t = str(part.text);
        if (t) delta.content = (delta.content ?? '') + t;
      } else if (part.type === 'thinking') {
        const t = thinkingText(part.thinking);
        if (t) delta.reasoning = (delta.reasoning ?? '') + t;
      }
    }
  }

  private toolCalls(choice: number, list: readonly unknown[]): ToolCallDelta[] {
    const out: ToolCallDelta[] = [];
    for (const raw of list) {
      const tc = obj(raw);
      const fn = obj(tc.function);
      const id = str(tc.id);
      const upstreamIndex = num(tc.index);
      const slot = `${choice}:${upstreamIndex ?? (id ? `id:${id}` : 'last')}`;
      const cur = this.current.get(slot);
      let key: string;
      if (id && (!cur || cur.id !== id)) {
        // A new call: a new id (possibly at a reused index, or without index at all).
        key = `k${this.calls++}`;
        out.push(this.tools.start(choice, key, id, str(fn.name) ?? ''));
        this.current.set(slot, { key, id });
      } else if (cur) {
        key = cur.key;
      } else {
        const last = this.lastKey[choice];
        if (last === undefined) {
          // A fragment for a call we never saw start: open it with a generated id.
          key = `k${this.calls++}`;
          const gen = newId(this.ex.ctx, 'call_');
          out.push(this.tools.start(choice, key, gen, str(fn.name) ?? ''));
          this.current.set(slot, { key, id: gen });
        } else key = last;
      }
      this.lastKey[choice] = key;
      const args = fn.arguments;
      const fragment = typeof args === 'string' ? args : args !== undefined && args !== null ? JSON.stringify(args) : '';
      const d = this.tools.args(choice, key, fragment);
      if (d) out.push(d);
    }
    return mergeDeltas(out);
  }
}

/** Merge a call's start and first fragment into one delta, as OpenAI itself sends them. */
function mergeDeltas(list: ToolCallDelta[]): ToolCallDelta[] {
  if (list.length < 2) return list;
  const out: ToolCallDelta[] = [];
  for (const d of list) {
    const prev = out[out.length - 1];
    if (prev && prev.index === d.index && d.id === undefined) {
      out[out.length - 1] = { ...prev, argumentsDelta: (prev.argumentsDelta ?? '') + (d.argumentsDelta ?? '') };
    } else out.push(d);
  }
  return out;
}

export function openAIStreamTranslator(ex: ChatExchange): StreamTranslator {
  return framedTranslator(new SseDecoder(), new OpenAIStreamHandler(ex));
}
