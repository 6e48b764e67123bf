import type { ChatChoice, ChatResponse, Logprobs, TokenLogprob, ToolCall, Usage } from '../../../core/llm/types.js';
import type { OpenAILogprobs, OpenAITokenLogprob, OpenAIUsage } from '../../../core/llm/wire/openai-chat.js';
import { packToolCallId } from '../shared/tool-id.js';

/** `service_tier` values of the OpenAI API; another provider's tier names (Anthropic `standard`) are not shown. */
const TIERS = new Set(['auto', 'default', 'flex', 'scale', 'priority']);

export const openaiServiceTier = (t: string | undefined): string | undefined => (t !== undefined && TIERS.has(t) ? t : undefined);

/** Canonical usage → OpenAI's: prompt tokens include cached ones, completion tokens include reasoning. */
export function openaiUsage(u: Usage): OpenAIUsage {
  const out: OpenAIUsage = { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.totalTokens };
  if (u.cachedInputTokens !== undefined) out.prompt_tokens_details = { cached_tokens: u.cachedInputTokens };
  if (u.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: u.reasoningTokens };
  return out;
}

function tokenLogprob(t: TokenLogprob): OpenAITokenLogprob {
  return {
    token: t.token,
    logprob: t.logprob,
    bytes: t.bytes === null ? null : [...t.bytes],
    top_logprobs: t.topLogprobs.map((x) => ({ token: x.token, logprob: x.logprob, bytes: x.bytes === null ? null : [...x.bytes] })),
  };
}

export function openaiLogprobs(lp: Logprobs): OpenAILogprobs {
  const out: OpenAILogprobs = { content: lp.content === null ? null : lp.content.map(tokenLogprob) };
  if (lp.refusal !== undefined) out.refusal = lp.refusal === null ? null : lp.refusal.map(tokenLogprob);
  return out;
}

export function openaiToolCalls(calls: readonly ToolCall[]): { id: string; type: 'function'; function: { name: string; arguments: string } }[] {
  return calls.map((c) => ({ id: packToolCallId(c.id, c.signature), type: 'function', function: { name: c.name, arguments: c.arguments } }));
}

function choice(c: ChatChoice): Record<string, unknown> {
  const m = c.message;
  const message: Record<string, unknown> = { role: 'assistant', content: m.content, refusal: m.refusal ?? null };
  if (m.toolCalls && m.toolCalls.length > 0) message['tool_calls'] = openaiToolCalls(m.toolCalls);
  // Reasoning text the way DeepSeek-style servers return it; Anthropic signatures have no OpenAI field.
  const reasoning = m.reasoning?.map((r) => r.text).join('') ?? '';
  if (reasoning) message['reasoning_content'] = reasoning;
  const out: Record<string, unknown> = { index: c.index, message };
  if (c.logprobs) out['logprobs'] = openaiLogprobs(c.logprobs);
  // Canonical finish reasons are OpenAI's; `error` (a vendor said generation failed) is passed on as said.
  out['finish_reason'] = c.finishReason;
  return out;
}

/** A canonical response as OpenAI's `chat.completion` object. */
export function encodeOpenAIResponse(res: ChatResponse, model?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: res.id,
    object: 'chat.completion',
    created: res.created,
    model: model ?? res.model,
    choices: res.choices.map(choice),
    usage: openaiUsage(res.usage),
  };
  const tier = openaiServiceTier(res.serviceTier);
  if (tier !== undefined) out['service_tier'] = tier;
  out['system_fingerprint'] = res.systemFingerprint ?? null;
  return out;
}
