import type { FinishReason, ToolCall, Usage } from '../../../core/llm/types.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import type { CallContext } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { obj, str, type Obj } from '../shared/json.js';

/** `done_reason`: `length` when num_predict was reached; `stop`, `load`, `unload` otherwise. */
export function finishFromOllama(reason: string | undefined, calledTools: boolean): FinishReason {
  if (reason === 'length') return 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

/** `prompt_eval_count` / `eval_count` (Ollama omits `prompt_eval_count` when the prompt was cached). */
export function usageFromOllama(j: Obj): Usage {
  return makeUsage({ input: count(j.prompt_eval_count) ?? 0, output: count(j.eval_count) ?? 0 });
}

/** Ollama sends arguments as an object and (before 0.12) no id: one is made up. */
export function toolCallFromOllama(raw: unknown, ctx: CallContext | undefined): ToolCall {
  const tc = obj(raw);
  const fn = obj(tc.function);
  const args = fn.arguments;
  return {
    id: str(tc.id) || newId(ctx, 'call_'),
    name: str(fn.name) ?? '',
    arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
  };
}

/** Unix seconds of `created_at` (RFC 3339 with nanoseconds), else the exchange's clock. */
export function createdFromOllama(j: Obj, ctx: CallContext | undefined): number {
  const t = str(j.created_at);
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? nowSec(ctx) : Math.floor(ms / 1000);
}
