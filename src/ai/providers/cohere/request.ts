import type { ChatMessage, ChatRequest, ContentPart } from '../../../core/llm/types.js';
import { dataUrl, partsOf, textOf } from '../shared/content.js';
import { unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';

// Cohere Chat API v2 request (https://docs.cohere.com/reference/chat). Only what Sluice writes.

export type CohereContent = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | CohereContent[] }
  | { role: 'assistant'; content?: string; tool_plan?: string; tool_calls?: CohereToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream?: boolean;
  tools?: { type: 'function'; function: { name: string; description?: string; parameters: Record<string, unknown> } }[];
  strict_tools?: boolean;
  tool_choice?: 'REQUIRED' | 'NONE';
  response_format?: { type: 'text' } | { type: 'json_object'; json_schema?: Record<string, unknown> };
  max_tokens?: number;
  stop_sequences?: string[];
  temperature?: number;
  p?: number;
  k?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  thinking?: { type: 'enabled' | 'disabled'; token_budget?: number };
  [extra: string]: unknown;
}

function userContent(m: ChatMessage, i: number): string | CohereContent[] {
  if (typeof m.content === 'string') return m.content;
  return partsOf(m.content).map((p: ContentPart, j): CohereContent => {
    if (p.type === 'text') return { type: 'text', text: p.text };
    if (p.type === 'image') {
      const url = p.source.kind === 'url' ? p.source.url : dataUrl(p.source.mediaType, p.source.data);
      return { type: 'image_url', image_url: p.detail ? { url, detail: p.detail } : { url } };
    }
    return unsupported(`messages[${i}].content[${j}]`, 'Cohere chat messages take text and images, not files (pass documents with extra.documents)');
  });
}

function onlyText(m: ChatMessage, i: number, role: string): string {
  partsOf(m.content).forEach((p, j) => {
    if (p.type !== 'text') unsupported(`messages[${i}].content[${j}]`, `Cohere ${role} messages accept text only`);
  });
  return textOf(m.content);
}

function message(m: ChatMessage, i: number): CohereMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: onlyText(m, i, 'system') };
    case 'user':
      return { role: 'user', content: userContent(m, i) };
    case 'tool':
      if (m.toolCallId === undefined) unsupported(`messages[${i}].tool_call_id`, 'a tool message needs tool_call_id');
      return { role: 'tool', tool_call_id: m.toolCallId, content: onlyText(m, i, 'tool') };
    case 'assistant': {
      const text = onlyText(m, i, 'assistant');
      const calls = m.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: text };
      // The text before a tool call is Cohere's `tool_plan` (and the plan comes back as content).
      return {
        role: 'assistant',
        ...(text ? { tool_plan: text } : {}),
        tool_calls: calls.map((tc) => ({ id: tc.id, type: 'function', function: { name: tc.name, arguments: tc.arguments || '{}' } })),
      };
    }
  }
}

/** Canonical request → Cohere v2 `/v2/chat` body. */
export function toCohereBody(req: ChatRequest, model: string): CohereChatRequest {
  if (req.n !== undefined && req.n > 1) unsupported('n', 'Cohere returns one choice per request (n must be 1)');
  if (req.logprobs) unsupported('logprobs', 'Sluice does not translate Cohere logprobs');
  if (req.logitBias && Object.keys(req.logitBias).length > 0) unsupported('logit_bias', 'Cohere has no logit bias');
  const body: CohereChatRequest = { model, messages: req.messages.map(message) };
  let tools = req.tools ?? [];
  const choice = req.toolChoice;
  if (typeof choice === 'object') {
    // Cohere cannot force one tool by name: offering only that tool, required, does.
    tools = tools.filter((t) => t.name === choice.name);
    if (tools.length === 0) unsupported('tool_choice', `tool_choice names "${choice.name}", which is not among the tools`);
  }
  if (tools.length > 0) {
    body.tools = tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters ? { ...t.parameters } : { type: 'object', properties: {} } },
    }));
    if (tools.some((t) => t.strict)) body.strict_tools = true;
    if (choice === 'required' || typeof choice === 'object') body.tool_choice = 'REQUIRED';
    else if (choice === 'none') body.tool_choice = 'NONE';
  } else if (choice === 'required') unsupported('tool_choice', 'tool_choice needs tools');
  const rf = req.responseFormat;
  if (rf?.type === 'json_object') body.response_format = { type: 'json_object' };
  else if (rf?.type === 'json_schema') body.response_format = { type: 'json_object', json_schema: { ...rf.schema } };
  if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
  if (req.stop && req.stop.length > 0) body.stop_sequences = [...req.stop];
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.p = req.topP;
  if (req.topK !== undefined) body.k = req.topK;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.frequencyPenalty !== undefined) body.frequency_penalty = req.frequencyPenalty;
  if (req.presencePenalty !== undefined) body.presence_penalty = req.presencePenalty;
  const r = req.reasoning;
  if (r) {
    if (r.enabled === false || r.effort === 'none') body.thinking = { type: 'disabled' };
    else body.thinking = r.budgetTokens !== undefined ? { type: 'enabled', token_budget: r.budgetTokens } : { type: 'enabled' };
  }
  body.stream = req.stream;
  return applyExtra(body, req.extra);
}
