import type { ChatResponse, ReasoningBlock, ToolCall } from '../../../core/llm/types.js';
import type { ChatExchange, ParsedChat } from '../contract.js';
import { newId, nowSec } from '../shared/context.js';
import { badResponse } from '../shared/failure.js';
import { arr, obj, parseObject, str } from '../shared/json.js';
import { finishFromBedrock, usageFromBedrock } from './mapping.js';

/** Converse response → canonical (one choice). Converse numbers nothing, so the id is generated. */
export function parseConverse(ex: ChatExchange, body: Uint8Array): ParsedChat {
  const j = parseObject(body, 'Bedrock Converse response');
  const message = obj(obj(j.output).message);
  if (!Array.isArray(message.content)) badResponse(`Bedrock Converse response has no output message${str(j.message) ? `: ${str(j.message)!}` : ''}`);
  let text: string | null = null;
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  for (const raw of arr(message.content)) {
    const b = obj(raw);
    if (typeof b.text === 'string') text = (text ?? '') + b.text;
    else if (b.toolUse !== undefined) {
      const t = obj(b.toolUse);
      toolCalls.push({ id: str(t.toolUseId) ?? newId(ex.ctx, 'tooluse_'), name: str(t.name) ?? '', arguments: JSON.stringify(t.input ?? {}) });
    } else if (b.reasoningContent !== undefined) {
      const rc = obj(b.reasoningContent);
      const redacted = str(rc.redactedContent);
      if (redacted !== undefined) reasoning.push({ text: '', redacted });
      else {
        const rt = obj(rc.reasoningText);
        const sig = str(rt.signature);
        reasoning.push(sig === undefined ? { text: str(rt.text) ?? '' } : { text: str(rt.text) ?? '', signature: sig });
      }
    }
    // image, citationsContent, guardContent… have no canonical equivalent in an answer.
  }
  const usage = usageFromBedrock(obj(j.usage));
  const stopSequence = str(obj(j.additionalModelResponseFields).stop_sequence);
  const response: ChatResponse = {
    id: newId(ex.ctx, 'bedrock-'),
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
        finishReason: finishFromBedrock(str(j.stopReason)),
        ...(stopSequence ? { stopSequence } : {}),
      },
    ],
    usage,
  };
  return { response, usage };
}
