import type { ChatResponse, ToolCall } from '../../../core/llm/types.js';
import type { ChatExchange, ParsedChat } from '../contract.js';
import { newId } from '../shared/context.js';
import { badResponse } from '../shared/failure.js';
import { arr, isObj, obj, parseObject, str } from '../shared/json.js';
import { createdFromOllama, finishFromOllama, toolCallFromOllama, usageFromOllama } from './mapping.js';

/** A non-streaming `/api/chat` body → canonical (one choice). */
export function parseOllamaChat(ex: ChatExchange, body: Uint8Array): ParsedChat {
  const j = parseObject(body, 'Ollama chat response');
  if (j.error !== undefined) badResponse(`Ollama returned an error with a 2xx status: ${str(j.error) ?? JSON.stringify(j.error)}`);
  if (!isObj(j.message)) badResponse('Ollama chat response has no message');
  const m = obj(j.message);
  const toolCalls: ToolCall[] = arr(m.tool_calls).map((t) => toolCallFromOllama(t, ex.ctx));
  const thinking = str(m.thinking);
  const text = str(m.content) ?? '';
  const usage = usageFromOllama(j);
  const response: ChatResponse = {
    id: newId(ex.ctx, 'chatcmpl-'),
    model: str(j.model) || ex.target.providerModel,
    created: createdFromOllama(j, ex.ctx),
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
          ...(thinking ? { reasoning: [{ text: thinking }] } : {}),
        },
        finishReason: finishFromOllama(str(j.done_reason), toolCalls.length > 0),
      },
    ],
    usage,
  };
  return { response, usage };
}
