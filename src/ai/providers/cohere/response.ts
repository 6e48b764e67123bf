import type { ChatResponse, ReasoningBlock, ToolCall } from '../../../core/llm/types.js';
import type { ChatExchange, ParsedChat } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { badResponse } from '../shared/failure.js';
import { arr, isObj, obj, parseObject, str } from '../shared/json.js';
import { finishFromCohere, usageFromCohere } from './mapping.js';

/**
 * Cohere v2 chat response → canonical (one choice). `tool_plan`, the text Cohere writes before its
 * tool calls, is the message content (as GPT's preamble would be); `thinking` blocks are reasoning.
 */
export function parseCohereChat(ex: ChatExchange, body: Uint8Array): ParsedChat {
  const j = parseObject(body, 'Cohere chat response');
  if (!isObj(j.message)) badResponse('Cohere chat response has no message');
  const m = obj(j.message);
  let text: string | null = null;
  const reasoning: ReasoningBlock[] = [];
  for (const raw of arr(m.content)) {
    const c = obj(raw);
    if (c.type === 'text') text = (text ?? '') + (str(c.text) ?? '');
    else if (c.type === 'thinking') reasoning.push({ text: str(c.thinking) ?? '' });
  }
  const plan = str(m.tool_plan);
  if (text === null && plan) text = plan;
  const toolCalls: ToolCall[] = arr(m.tool_calls).map((raw) => {
    const tc = obj(raw);
    const fn = obj(tc.function);
    return { id: str(tc.id) ?? newId(ex.ctx, 'call_'), name: str(fn.name) ?? '', arguments: str(fn.arguments) || '{}' };
  });
  const usage = usageFromCohere(obj(j.usage));
  const response: ChatResponse = {
    id: str(j.id) ?? newId(ex.ctx, 'cohere-'),
    model: ex.target.providerModel,
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
        finishReason: finishFromCohere(str(j.finish_reason)),
      },
    ],
    usage,
  };
  return { response, usage };
}
