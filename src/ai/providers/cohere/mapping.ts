import type { FinishReason, Usage } from '../../../core/llm/types.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import { obj, type Obj } from '../shared/json.js';

/** Cohere v2 `finish_reason` → canonical. */
export function finishFromCohere(reason: string | undefined): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
    case 'ERROR_LIMIT':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    case 'ERROR_TOXIC':
      return 'content_filter';
    case 'ERROR':
    case 'TIMEOUT':
      return 'error';
    default:
      // COMPLETE, STOP_SEQUENCE
      return 'stop';
  }
}

/**
 * Cohere reports two pairs of counts: `billed_units` (the tokens Cohere charges: the caller's own,
 * without the prompt template Cohere wraps around them) and `tokens` (everything the model read,
 * template included; `cached_tokens` is a part of it). Usage is what the exchange costs, so billed
 * units win; `tokens` (with its cached part) is the fallback when a response carries no billed units.
 */
export function usageFromCohere(u: Obj): Usage {
  const billed = obj(u.billed_units);
  const input = count(billed.input_tokens);
  const output = count(billed.output_tokens);
  if (input !== undefined || output !== undefined) return makeUsage({ input: input ?? 0, output: output ?? 0 });
  const tokens = obj(u.tokens);
  const all = count(tokens.input_tokens) ?? 0;
  const cached = count(u.cached_tokens);
  return makeUsage({ input: all, output: count(tokens.output_tokens) ?? 0, ...(cached !== undefined && cached <= all ? { cached } : {}) });
}
