import type { ChatResponse, FinishReason, ToolCall, Usage } from '../../../core/llm/types.js';
import type { AnthropicContentBlock, AnthropicStopReason, AnthropicUsage } from '../../../core/llm/wire/anthropic-messages.js';
import { packToolCallId } from '../shared/tool-id.js';

/** Anthropic's `service_tier` values; another provider's (OpenAI `default`) are not shown. */
const TIERS = new Set(['standard', 'priority', 'batch']);

export function anthropicStop(f: FinishReason | undefined, stopSequence: string | undefined): AnthropicStopReason {
  switch (f) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return stopSequence !== undefined ? 'stop_sequence' : 'end_turn';
  }
}

/** Canonical usage → Anthropic's, which counts cache reads and writes apart from `input_tokens`. */
export function anthropicUsage(u: Usage): AnthropicUsage {
  const read = u.cachedInputTokens ?? 0;
  const write = u.cacheCreationInputTokens ?? 0;
  return { input_tokens: Math.max(0, u.inputTokens - read - write), cache_creation_input_tokens: write, cache_read_input_tokens: read, output_tokens: u.outputTokens };
}

/** Tool arguments as the `input` object Anthropic clients expect; text that is not a JSON object is kept under `_raw`. */
export function toolInput(args: string): unknown {
  if (args.trim() === '') return {};
  try {
    const v = JSON.parse(args) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v;
  } catch {
    /* below */
  }
  return { _raw: args };
}

const toolUse = (c: ToolCall): AnthropicContentBlock => ({ type: 'tool_use', id: packToolCallId(c.id, c.signature), name: c.name, input: toolInput(c.arguments) });

/** A canonical response (its first choice) as an Anthropic `message`. */
export function encodeAnthropicResponse(res: ChatResponse, model?: string): Record<string, unknown> {
  const c = res.choices[0];
  const content: AnthropicContentBlock[] = [];
  for (const r of c?.message.reasoning ?? []) {
    if (r.redacted !== undefined) content.push({ type: 'redacted_thinking', data: r.redacted });
    else content.push({ type: 'thinking', thinking: r.text, signature: r.signature ?? '' });
  }
  const text = (c?.message.content ?? '') + (c?.message.refusal ?? '');
  if (text.length > 0) content.push({ type: 'text', text });
  for (const tc of c?.message.toolCalls ?? []) content.push(toolUse(tc));
  const usage: Record<string, unknown> = { ...anthropicUsage(res.usage) };
  if (res.serviceTier !== undefined && TIERS.has(res.serviceTier)) usage['service_tier'] = res.serviceTier;
  return {
    id: res.id,
    type: 'message',
    role: 'assistant',
    model: model ?? res.model,
    content,
    stop_reason: anthropicStop(c?.finishReason, c?.stopSequence),
    stop_sequence: c?.stopSequence ?? null,
    usage,
  };
}
