import type { ChatMessage, ChatRequest, ReasoningOptions } from '../../../core/llm/types.js';
import { argumentsObject, partsOf, toolNamesById } from '../shared/content.js';
import { unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';

/** Ollama `/api/chat` wire types (https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion). */
export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  images?: string[];
  thinking?: string;
  tool_calls?: { id?: string; function: { name: string; arguments: Record<string, unknown> } }[];
  tool_name?: string;
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  tools?: { type: 'function'; function: { name: string; description?: string; parameters: Record<string, unknown> } }[];
  format?: 'json' | Record<string, unknown>;
  think?: boolean | 'low' | 'medium' | 'high';
  options?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Text and base64 images of a message; Ollama takes nothing else (no URLs, no documents). */
function content(m: ChatMessage, i: number, images: boolean): { text: string; images: string[] } {
  let text = '';
  const out: string[] = [];
  for (const [j, p] of partsOf(m.content).entries()) {
    const param = `messages[${i}].content[${j}]`;
    if (p.type === 'text') text += p.text;
    else if (p.type === 'file') unsupported(param, 'Ollama does not take documents');
    else if (!images) unsupported(param, `Ollama ${m.role} messages take text only`);
    else if (p.source.kind === 'url') unsupported(param, 'Ollama takes inline base64 images only, not image URLs');
    else out.push(p.source.data);
  }
  return { text, images: out };
}

function message(m: ChatMessage, i: number, names: ReadonlyMap<string, string>): OllamaMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: content(m, i, false).text };
    case 'user': {
      const c = content(m, i, true);
      return c.images.length > 0 ? { role: 'user', content: c.text, images: c.images } : { role: 'user', content: c.text };
    }
    case 'tool': {
      const name = m.toolCallId !== undefined ? names.get(m.toolCallId) ?? m.name : m.name;
      return { role: 'tool', content: content(m, i, false).text, ...(name !== undefined ? { tool_name: name } : {}) };
    }
    case 'assistant': {
      const out: OllamaMessage = { role: 'assistant', content: content(m, i, false).text };
      const thinking = (m.reasoning ?? []).map((r) => r.text).join('');
      if (thinking) out.thinking = thinking;
      if (m.toolCalls && m.toolCalls.length > 0) {
        out.tool_calls = m.toolCalls.map((tc, j) => {
          const args = argumentsObject(tc.arguments);
          if (!args.ok) unsupported(`messages[${i}].tool_calls[${j}].function.arguments`, 'tool call arguments must be a JSON object');
          return { id: tc.id, function: { name: tc.name, arguments: args.value } };
        });
      }
      return out;
    }
  }
}

/** `think`: a level for gpt-oss models (they cannot turn thinking off), a switch for the others. */
function think(r: ReasoningOptions | undefined, model: string): OllamaChatRequest['think'] {
  if (!r) return undefined;
  const off = r.enabled === false || r.effort === 'none';
  if (/gpt-oss/i.test(model)) {
    if (off || r.effort === undefined) return off ? 'low' : undefined;
    return r.effort === 'minimal' ? 'low' : r.effort;
  }
  return !off;
}

/** Canonical request → `/api/chat` body. Ollama streams by default: `stream` is always sent. */
export function toOllamaBody(req: ChatRequest, model: string): OllamaChatRequest {
  if (req.n !== undefined && req.n > 1) unsupported('n', 'Ollama returns one choice per request (n must be 1)');
  if (req.logprobs) unsupported('logprobs', 'Ollama /api/chat does not return logprobs');
  if (req.logitBias && Object.keys(req.logitBias).length > 0) unsupported('logit_bias', 'Ollama does not support logit_bias');
  const tc = req.toolChoice;
  if (tc !== undefined && tc !== 'auto' && tc !== 'none') unsupported('tool_choice', 'Ollama cannot force a tool call (tool_choice must be "auto" or "none")');
  const names = toolNamesById(req.messages);
  const body: OllamaChatRequest = { model, messages: req.messages.map((m, i) => message(m, i, names)), stream: req.stream };
  // `none` is expressed by not offering the tools.
  if (req.tools && req.tools.length > 0 && tc !== 'none') {
    body.tools = req.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters ? { ...t.parameters } : { type: 'object', properties: {} } },
    }));
  }
  const f = req.responseFormat;
  if (f?.type === 'json_object') body.format = 'json';
  else if (f?.type === 'json_schema') body.format = { ...f.schema };
  const t = think(req.reasoning, model);
  if (t !== undefined) body.think = t;
  const o: Record<string, unknown> = {};
  if (req.temperature !== undefined) o.temperature = req.temperature;
  if (req.topP !== undefined) o.top_p = req.topP;
  if (req.topK !== undefined) o.top_k = req.topK;
  if (req.maxTokens !== undefined) o.num_predict = req.maxTokens;
  if (req.stop && req.stop.length > 0) o.stop = [...req.stop];
  if (req.seed !== undefined) o.seed = req.seed;
  if (req.frequencyPenalty !== undefined) o.frequency_penalty = req.frequencyPenalty;
  if (req.presencePenalty !== undefined) o.presence_penalty = req.presencePenalty;
  // Operator or client `extra.options` (num_ctx, mirostat…) add to the mapped options.
  const extraOptions = req.extra?.options;
  if (typeof extraOptions === 'object' && extraOptions !== null && !Array.isArray(extraOptions)) Object.assign(o, extraOptions);
  if (Object.keys(o).length > 0) body.options = o;
  const { options: _options, ...extra } = req.extra ?? {};
  return applyExtra(body, extra);
}
