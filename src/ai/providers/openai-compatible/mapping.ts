import { count, makeUsage } from '../../../core/llm/usage.js';
import type { FinishReason, Logprobs, TokenLogprob, Usage } from '../../../core/llm/types.js';
import type { OpenAILogprobs, OpenAITokenLogprob } from '../../../core/llm/wire/openai-chat.js';
import { isObj, obj, type Obj } from '../shared/json.js';

/** OpenAI finish reasons plus the variants compatible servers invent. Unknown values read as `stop`. */
export function finishFromOpenAI(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
    case 'eos':
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'length':
    case 'max_tokens':
    case 'model_length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
    case 'tool_use':
      return 'tool_calls';
    case 'content_filter':
    case 'sensitive':
      return 'content_filter';
    case 'error':
    case 'network_error':
    case 'insufficient_system_resource':
    case 'abort':
      return 'error';
    default:
      return 'stop';
  }
}

/**
 * OpenAI usage → canonical. `completion_tokens` should include reasoning; some vendors (xAI, some
 * Grok versions) leave it out and count it in `total_tokens`, so output is max(completion, total − prompt).
 * Cached prompt tokens: `prompt_tokens_details.cached_tokens`, DeepSeek `prompt_cache_hit_tokens`,
 * Moonshot `cached_tokens`.
 */
export function usageFromOpenAI(u: Obj): Usage {
  const input = count(u.prompt_tokens) ?? 0;
  const completion = count(u.completion_tokens) ?? 0;
  const total = count(u.total_tokens);
  const output = total !== undefined && total - input > completion ? total - input : completion;
  const pd = obj(u.prompt_tokens_details);
  const cd = obj(u.completion_tokens_details);
  return makeUsage({
    input,
    output,
    cached: count(pd.cached_tokens) ?? count(u.prompt_cache_hit_tokens) ?? count(u.cached_tokens),
    reasoning: count(cd.reasoning_tokens),
  });
}

function tokenLogprob(t: OpenAITokenLogprob): TokenLogprob {
  return {
    token: t.token,
    logprob: t.logprob,
    bytes: t.bytes ?? null,
    topLogprobs: (t.top_logprobs ?? []).map((x) => ({ token: x.token, logprob: x.logprob, bytes: x.bytes ?? null })),
  };
}

export function logprobsFromOpenAI(v: unknown): Logprobs | undefined {
  if (!isObj(v)) return undefined;
  const lp = v as unknown as OpenAILogprobs;
  const out: { content: TokenLogprob[] | null; refusal?: TokenLogprob[] | null } = {
    content: Array.isArray(lp.content) ? lp.content.map(tokenLogprob) : null,
  };
  if (Array.isArray(lp.refusal)) out.refusal = lp.refusal.map(tokenLogprob);
  return out;
}
