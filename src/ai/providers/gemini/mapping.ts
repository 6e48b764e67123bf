import type { FinishReason, Logprobs, TokenLogprob, Usage } from '../../../core/llm/types.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import { arr, num, obj, str, type Obj } from '../shared/json.js';

/**
 * Gemini finish reasons. `STOP` after function calls is a tool turn; the safety family is a content
 * filter; a malformed or unexpected tool call is a model failure (`error`).
 */
export function finishFromGemini(reason: string | undefined, calledTools: boolean): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
    case 'TOO_MANY_TOOL_CALLS':
      return 'error';
    default:
      // STOP, LANGUAGE, OTHER, FINISH_REASON_UNSPECIFIED
      return calledTools ? 'tool_calls' : 'stop';
  }
}

/**
 * `usageMetadata` → canonical. Gemini counts thoughts apart from candidates (canonical output
 * includes reasoning) and cached tokens inside the prompt; tool-use prompt tokens are input too.
 */
export function usageFromGemini(u: Obj): Usage {
  const thoughts = count(u.thoughtsTokenCount);
  const cached = count(u.cachedContentTokenCount);
  return makeUsage({
    input: (count(u.promptTokenCount) ?? 0) + (count(u.toolUsePromptTokenCount) ?? 0),
    output: (count(u.candidatesTokenCount) ?? 0) + (thoughts ?? 0),
    ...(cached !== undefined ? { cached } : {}),
    ...(thoughts !== undefined ? { reasoning: thoughts } : {}),
  });
}

function token(c: Obj): { token: string; logprob: number; bytes: number[] | null } {
  const t = str(c.token) ?? '';
  return { token: t, logprob: num(c.logProbability) ?? 0, bytes: [...Buffer.from(t, 'utf8')] };
}

/** `logprobsResult` (chosen token and top candidates per step) → OpenAI-style logprobs. */
export function logprobsFromGemini(v: unknown): Logprobs | undefined {
  const r = obj(v);
  const chosen = arr(r.chosenCandidates);
  if (chosen.length === 0) return undefined;
  const top = arr(r.topCandidates);
  const content = chosen.map(
    (c, i): TokenLogprob => ({ ...token(obj(c)), topLogprobs: arr(obj(top[i]).candidates).map((t) => token(obj(t))) }),
  );
  return { content };
}
