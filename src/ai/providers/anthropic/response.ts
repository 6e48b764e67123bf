import type { ChatResponse, ReasoningBlock, ToolCall } from '../../../core/llm/types.js';
import type { ChatExchange, ParsedChat } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { badResponse } from '../shared/failure.js';
import { arr, obj, parseObject, str } from '../shared/json.js';
import { finishFromAnthropic, usageFromAnthropic } from './mapping.js';

/** Anthropic Messages response → canonical (one choice). Server-tool blocks are not representable and skipped. */
export function parseAnthropicMessage(ex: ChatExchange, body: Uint8Array): ParsedChat {
  const j = parseObject(body, 'Anthropic message');
  if (j.type === 'error') badResponse(`Anthropic returned an error with a 2xx status: ${str(obj(j.error).message) ?? ''}`);
  if (!Array.isArray(j.content)) badResponse('Anthropic message has no content');
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  for (const raw of arr(j.content)) {
    const b = obj(raw);
    switch (b.type) {
      case 'text':
        text = (text ?? '') + (str(b.text) ?? '');
        break;
      case 'tool_use':
        toolCalls.push({ id: str(b.id) ?? newId(ex.ctx, 'toolu_'), name: str(b.name) ?? '', arguments: JSON.stringify(b.input ?? {}) });
        break;
      case 'thinking': {
        const sig = str(b.signature);
        reasoning.push(sig === undefined ? { text: str(b.thinking) ?? '' } : { text: str(b.thinking) ?? '', signature: sig });
        break;
      }
      case 'redacted_thinking':
        reasoning.push({ text: '', redacted: str(b.data) ?? '' });
        break;
    }
  }
  const usage = usageFromAnthropic(obj(j.usage));
  const stopSequence = str(j.stop_sequence);
  const response: { -readonly [K in keyof ChatResponse]: ChatResponse[K] } = {
    id: str(j.id) ?? newId(ex.ctx, 'msg_'),
    model: str(j.model) ?? ex.target.providerModel,
    created: nowSec(ex.ctx),
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning } : {}),
        },
        finishReason: finishFromAnthropic(str(j.stop_reason)),
        ...(stopSequence ? { stopSequence } : {}),
      },
    ],
    usage,
  };
  // Set on the object, not spread into a copy: spread-built objects on the request path came with
  // allocations that outlived young-generation collections (0.24 KB per request here).
  const tier = str(obj(j.usage).service_tier);
  if (tier) response.serviceTier = tier;
  return { response, usage };
}
