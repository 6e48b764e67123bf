import type { CacheHint, ChatMessage, ChatRequest, ContentPart, ToolChoice } from '../../../core/llm/types.js';
import type {
  AnthropicCacheControl,
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicToolChoice,
} from '../../../core/llm/wire/anthropic-messages.js';
import { argumentsObject, partsOf } from '../shared/content.js';
import { unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';

/** Anthropic requires max_tokens; OpenAI clients often omit it. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Thinking budgets for OpenAI-style effort levels (Anthropic's minimum budget is 1024). */
const EFFORT_BUDGET = { minimal: 1024, low: 2048, medium: 8192, high: 24576 } as const;

function cache(h: CacheHint | undefined): { cache_control?: AnthropicCacheControl } {
  return h ? { cache_control: h.ttl ? { type: 'ephemeral', ttl: h.ttl } : { type: 'ephemeral' } } : {};
}

function block(p: ContentPart, param: string): AnthropicContentBlock {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: p.text, ...cache(p.cache) };
    case 'image':
      return {
        type: 'image',
        source: p.source.kind === 'url' ? { type: 'url', url: p.source.url } : { type: 'base64', media_type: p.source.mediaType, data: p.source.data },
        ...cache(p.cache),
      };
    case 'file':
      if (p.source.kind === 'base64' && p.source.mediaType !== 'application/pdf' && !p.source.mediaType.startsWith('text/')) {
        unsupported(param, `Anthropic accepts PDF and text documents, not ${p.source.mediaType}`);
      }
      return {
        type: 'document',
        source:
          p.source.kind === 'url'
            ? { type: 'url', url: p.source.url }
            : p.source.mediaType.startsWith('text/')
              ? { type: 'text', media_type: 'text/plain', data: Buffer.from(p.source.data, 'base64').toString('utf8') }
              : { type: 'base64', media_type: p.source.mediaType, data: p.source.data },
        ...(p.filename ? { title: p.filename } : {}),
        ...cache(p.cache),
      };
  }
}

function blocks(m: ChatMessage, i: number): AnthropicContentBlock[] {
  return partsOf(m.content)
    .map((p, j) => block(p, `messages[${i}].content[${j}]`))
    .filter((b) => b.type !== 'text' || b.text.length > 0);
}

function system(req: ChatRequest): string | AnthropicTextBlock[] | undefined {
  const parts: AnthropicTextBlock[] = [];
  req.messages.forEach((m, i) => {
    if (m.role !== 'system' && m.role !== 'developer') return;
    for (const [j, p] of partsOf(m.content).entries()) {
      if (p.type !== 'text') unsupported(`messages[${i}].content[${j}]`, 'Anthropic system prompts accept text only');
      parts.push({ type: 'text', text: p.text, ...cache(p.cache) });
    }
  });
  if (parts.length === 0) return undefined;
  return parts.some((p) => p.cache_control) ? parts : parts.map((p) => p.text).join('\n\n');
}

function assistant(m: ChatMessage, i: number): AnthropicContentBlock[] {
  const out: AnthropicContentBlock[] = [];
  for (const r of m.reasoning ?? []) {
    if (r.redacted !== undefined) out.push({ type: 'redacted_thinking', data: r.redacted });
    // Thinking without a signature cannot be replayed to Anthropic (it would be refused): dropped.
    else if (r.signature !== undefined) out.push({ type: 'thinking', thinking: r.text, signature: r.signature });
  }
  out.push(...blocks(m, i));
  (m.toolCalls ?? []).forEach((tc, j) => {
    const args = argumentsObject(tc.arguments);
    if (!args.ok) unsupported(`messages[${i}].tool_calls[${j}].function.arguments`, 'tool call arguments must be a JSON object');
    out.push({ type: 'tool_use', id: tc.id, name: tc.name, input: args.value });
  });
  return out;
}

/** Conversation turns: tool results join the user turn that follows the assistant's calls. */
function messages(req: ChatRequest): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  let toolTurn: AnthropicContentBlock[] | undefined;
  req.messages.forEach((m, i) => {
    if (m.role === 'system' || m.role === 'developer') return;
    if (m.role === 'tool') {
      if (m.toolCallId === undefined) unsupported(`messages[${i}].tool_call_id`, 'a tool message needs tool_call_id');
      const content = partsOf(m.content).map((p, j) => block(p, `messages[${i}].content[${j}]`));
      // Text alone becomes a string, unless a block carries a cache breakpoint (a string has nowhere to put it).
      const plain = content.every((b) => b.type === 'text' && b.cache_control === undefined);
      const result: AnthropicContentBlock = {
        type: 'tool_result',
        tool_use_id: m.toolCallId,
        content: plain ? content.map((b) => (b as AnthropicTextBlock).text).join('') : (content as (AnthropicTextBlock | AnthropicImageBlock)[]),
        ...(m.isError ? { is_error: true } : {}),
        ...cache(m.cache),
      };
      if (!toolTurn) {
        toolTurn = [];
        out.push({ role: 'user', content: toolTurn });
      }
      toolTurn.push(result);
      return;
    }
    if (m.role === 'user') {
      const b = blocks(m, i);
      if (toolTurn) toolTurn.push(...b);
      else out.push({ role: 'user', content: typeof m.content === 'string' && !b.some((x) => 'cache_control' in x) ? m.content : b });
      toolTurn = undefined;
      return;
    }
    toolTurn = undefined;
    const b = assistant(m, i);
    if (b.length > 0) out.push({ role: 'assistant', content: b });
  });
  return out;
}

function toolChoice(c: ToolChoice | undefined, parallel: boolean | undefined): AnthropicToolChoice | undefined {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (c === undefined) return parallel === false ? { type: 'auto', ...noParallel } : undefined;
  if (c === 'none') return { type: 'none' };
  if (c === 'auto') return { type: 'auto', ...noParallel };
  if (c === 'required') return { type: 'any', ...noParallel };
  return { type: 'tool', name: c.name, ...noParallel };
}

/** Canonical request → Anthropic Messages body (`model` omitted when `withModel` is false: Vertex). */
export function toAnthropicBody(req: ChatRequest, model: string | undefined): AnthropicRequest {
  if (req.n !== undefined && req.n > 1) unsupported('n', 'Anthropic returns one choice per request (n must be 1)');
  if (req.logprobs) unsupported('logprobs', 'Anthropic does not return logprobs');
  const r = req.reasoning;
  const budget = r && r.enabled !== false && r.effort !== 'none' ? r.budgetTokens ?? (r.effort ? EFFORT_BUDGET[r.effort] : r.enabled ? EFFORT_BUDGET.medium : undefined) : undefined;
  const body: AnthropicRequest = {
    model: model ?? '',
    messages: messages(req),
    max_tokens: req.maxTokens ?? (budget !== undefined ? budget + DEFAULT_MAX_TOKENS : DEFAULT_MAX_TOKENS),
  };
  if (model === undefined) delete (body as { model?: string }).model;
  const sys = system(req);
  if (sys !== undefined) body.system = sys;
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      input_schema: t.parameters ? { ...t.parameters } : { type: 'object', properties: {} },
      ...(t.strict ? { strict: true } : {}),
      ...cache(t.cache),
    }));
  }
  const tc = toolChoice(req.toolChoice, req.parallelToolCalls);
  if (tc && (req.tools?.length || tc.type === 'none')) body.tool_choice = tc;
  if (req.temperature !== undefined) body.temperature = Math.min(req.temperature, 1);
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.topK !== undefined) body.top_k = req.topK;
  if (req.stop && req.stop.length > 0) body.stop_sequences = [...req.stop];
  if (req.user !== undefined) body.metadata = { user_id: req.user };
  if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
  else if (r && (r.enabled === false || r.effort === 'none')) body.thinking = { type: 'disabled' };
  if (req.responseFormat?.type === 'json_schema') body.output_config = { format: { type: 'json_schema', schema: { ...req.responseFormat.schema } } };
  if (req.stream) body.stream = true;
  if (req.passthrough?.dialect === 'anthropic') {
    for (const [k, v] of Object.entries(req.passthrough.fields)) if (!(k in body)) body[k] = v;
  }
  return applyExtra(body, req.extra);
}
