import type { ChatChoice, ChatResponse, ReasoningBlock, ToolCall } from '../../../core/llm/types.js';
import { ZERO_USAGE } from '../../../core/llm/usage.js';
import type { ChatExchange, ParsedChat } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { badResponse } from '../shared/failure.js';
import { arr, isObj, num, obj, parseObject, str, type Obj } from '../shared/json.js';
import { finishFromOpenAI, logprobsFromOpenAI, usageFromOpenAI } from './mapping.js';

/** An OpenAI-shaped completion body → canonical response and usage. */
export function parseOpenAIChat(ex: ChatExchange, body: Uint8Array): ParsedChat {
  const j = parseObject(body, 'chat completion');
  if (isObj(j.error)) badResponse(`upstream returned an error object with a 2xx status: ${str(j.error.message) ?? ''}`);
  if (!Array.isArray(j.choices)) badResponse('chat completion has no choices');
  const usage = isObj(j.usage) ? usageFromOpenAI(j.usage) : ZERO_USAGE;
  const response: { -readonly [K in keyof ChatResponse]: ChatResponse[K] } = {
    id: str(j.id) || newId(ex.ctx, 'chatcmpl-'),
    model: str(j.model) || ex.target.providerModel,
    created: num(j.created) ?? nowSec(ex.ctx),
    choices: arr(j.choices).map((c, i) => choice(obj(c), i, ex)),
    usage,
  };
  const fp = str(j.system_fingerprint);
  if (fp) response.systemFingerprint = fp;
  const tier = str(j.service_tier);
  if (tier) response.serviceTier = tier;
  return { response, usage };
}

function choice(c: Obj, i: number, ex: ChatExchange): ChatChoice {
  const m = obj(c.message);
  const { text, reasoning } = messageContent(m);
  const toolCalls = arr(m.tool_calls).map((t): ToolCall => {
    const tc = obj(t);
    const fn = obj(tc.function);
    const args = fn.arguments;
    return {
      id: str(tc.id) || newId(ex.ctx, 'call_'),
      name: str(fn.name) ?? '',
      // Some servers (Ollama-compatible, older vLLM) send arguments as an object.
      arguments: typeof args === 'string' ? args : args === undefined ? '{}' : JSON.stringify(args),
    };
  });
  const refusal = str(m.refusal);
  const finish = finishFromOpenAI(str(c.finish_reason) ?? 'stop');
  const out: { -readonly [K in keyof ChatChoice]: ChatChoice[K] } = {
    index: num(c.index) ?? i,
    message: {
      role: 'assistant',
      content: text,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(reasoning.length > 0 ? { reasoning } : {}),
      ...(refusal ? { refusal } : {}),
    },
    // Several servers say `stop` for a turn that only called tools.
    finishReason: finish === 'stop' && toolCalls.length > 0 ? 'tool_calls' : finish,
  };
  const lp = logprobsFromOpenAI(c.logprobs);
  if (lp) out.logprobs = lp;
  return out;
}

/**
 * Text and reasoning of an assistant message: `content` as a string, or as parts (Mistral
 * `thinking` parts), and `reasoning_content` / `reasoning` fields of compatible servers.
 */
export function messageContent(m: Obj): { text: string | null; reasoning: ReasoningBlock[] } {
  const reasoning: ReasoningBlock[] = [];
  const rc = str(m.reasoning_content) ?? str(m.reasoning);
  if (rc) reasoning.push({ text: rc });
  const c = m.content;
  if (typeof c === 'string' || c === null || c === undefined) return { text: c ?? null, reasoning };
  let text = '';
  for (const p of arr(c)) {
    const part = obj(p);
    if (part.type === 'text') text += str(part.text) ?? '';
    else if (part.type === 'thinking') {
      const t = thinkingText(part.thinking);
      if (t) reasoning.push({ text: t });
    }
  }
  return { text, reasoning };
}

/** Mistral `thinking`: a string or a list of `{type:'text', text}`. */
export function thinkingText(v: unknown): string {
  if (typeof v === 'string') return v;
  let s = '';
  for (const x of arr(v)) s += str(obj(x).text) ?? '';
  return s;
}
