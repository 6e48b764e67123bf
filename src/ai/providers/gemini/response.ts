import type { ChatChoice, ChatResponse, ReasoningBlock, ToolCall } from '../../../core/llm/types.js';
import { ZERO_USAGE } from '../../../core/llm/usage.js';
import { packToolCallId } from '../../dialects/shared/tool-id.js';
import type { CallContext, ChatExchange, ParsedChat } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { badResponse } from '../shared/failure.js';
import { arr, isObj, num, obj, parseObject, str, type Obj } from '../shared/json.js';
import { finishFromGemini, logprobsFromGemini, usageFromGemini } from './mapping.js';

/**
 * A `functionCall` part → canonical call. Gemini ids are optional (AI Studio rarely sends one) and
 * its `thoughtSignature` must come back with the call: both ride in the id the client echoes.
 */
export function toolCallFromPart(p: Obj, ctx: CallContext | undefined): ToolCall {
  const fc = obj(p.functionCall);
  const id = str(fc.id) || newId(ctx, 'call_');
  return { id: packToolCallId(id, str(p.thoughtSignature)), name: str(fc.name) ?? '', arguments: JSON.stringify(fc.args ?? {}) };
}

/** Unix seconds of Vertex AI's `createTime`, else the exchange's clock. */
export function createdOf(j: Obj, ctx: CallContext | undefined): number {
  const t = str(j.createTime);
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? nowSec(ctx) : Math.floor(ms / 1000);
}

function choice(c: Obj, i: number, ctx: CallContext | undefined): ChatChoice {
  let text: string | null = null;
  let thought = '';
  let signature: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const raw of arr(obj(c.content).parts)) {
    const p = obj(raw);
    if (isObj(p.functionCall)) {
      toolCalls.push(toolCallFromPart(p, ctx));
      continue;
    }
    const t = str(p.text);
    if (p.thought === true) thought += t ?? '';
    else if (t !== undefined) text = (text ?? '') + t;
    signature = str(p.thoughtSignature) ?? signature;
  }
  const reasoning: ReasoningBlock[] = thought || signature ? [signature === undefined ? { text: thought } : { text: thought, signature }] : [];
  const out: { -readonly [K in keyof ChatChoice]: ChatChoice[K] } = {
    index: num(c.index) ?? i,
    message: {
      role: 'assistant',
      content: text === '' && toolCalls.length > 0 ? null : text,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(reasoning.length > 0 ? { reasoning } : {}),
    },
    finishReason: finishFromGemini(str(c.finishReason), toolCalls.length > 0),
  };
  const lp = logprobsFromGemini(c.logprobsResult);
  if (lp) out.logprobs = lp;
  return out;
}

/** A `generateContent` body → canonical. A prompt blocked by safety settings is one `content_filter` choice. */
export function parseGeminiResponse(ex: ChatExchange, body: Uint8Array): ParsedChat {
  const j = parseObject(body, 'Gemini response');
  if (isObj(j.error)) badResponse(`Gemini returned an error with a 2xx status: ${str(j.error.message) ?? ''}`);
  const candidates = arr(j.candidates);
  const blocked = str(obj(j.promptFeedback).blockReason);
  if (candidates.length === 0 && blocked === undefined) badResponse('Gemini response has no candidates');
  const usage = isObj(j.usageMetadata) ? usageFromGemini(j.usageMetadata) : ZERO_USAGE;
  const choices: ChatChoice[] =
    candidates.length > 0
      ? candidates.map((c, i) => choice(obj(c), i, ex.ctx))
      : [{ index: 0, message: { role: 'assistant', content: null }, finishReason: 'content_filter' }];
  const response: ChatResponse = {
    id: str(j.responseId) || newId(ex.ctx, 'gen-'),
    model: str(j.modelVersion) || ex.target.providerModel,
    created: createdOf(j, ex.ctx),
    choices,
    usage,
  };
  return { response, usage };
}
