import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat, ToolChoice } from '../../../core/llm/types.js';
import type {
  OpenAIChatRequest,
  OpenAIContentPart,
  OpenAIMessage,
  OpenAIResponseFormat,
  OpenAIToolChoice,
} from '../../../core/llm/wire/openai-chat.js';
import { dataUrl } from '../shared/content.js';
import { unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';
import type { CompatibleSpec, UnsupportedFeature } from './quirks.js';

/** Canonical request → OpenAI Chat Completions body, with the vendor's quirks applied. */
export function toOpenAIChatBody(req: ChatRequest, model: string, spec: CompatibleSpec): OpenAIChatRequest {
  refuseUnsupported(req, spec);
  const drop = new Set(spec.drop ?? []);
  const body: OpenAIChatRequest = { model, messages: req.messages.map((m) => message(m, spec)) };
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        ...(t.parameters !== undefined ? { parameters: { ...t.parameters } } : {}),
        ...(t.strict !== undefined ? { strict: t.strict } : {}),
      },
    }));
  }
  if (req.toolChoice !== undefined) body.tool_choice = toolChoice(req.toolChoice);
  if (req.parallelToolCalls !== undefined && req.tools?.length && !drop.has('parallel_tool_calls')) body.parallel_tool_calls = req.parallelToolCalls;
  if (req.responseFormat !== undefined) body.response_format = responseFormat(req.responseFormat);
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.topK !== undefined && spec.topK) body.top_k = req.topK;
  if (req.maxTokens !== undefined) body[spec.maxTokensField ?? 'max_tokens'] = req.maxTokens;
  if (req.stop !== undefined && req.stop.length > 0) body.stop = [...req.stop];
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.n !== undefined && req.n !== 1) body.n = req.n;
  if (req.frequencyPenalty !== undefined && !drop.has('frequency_penalty')) body.frequency_penalty = req.frequencyPenalty;
  if (req.presencePenalty !== undefined && !drop.has('presence_penalty')) body.presence_penalty = req.presencePenalty;
  if (req.logitBias !== undefined && Object.keys(req.logitBias).length > 0) body.logit_bias = { ...req.logitBias };
  if (req.logprobs) body.logprobs = true;
  if (req.topLogprobs !== undefined) body.top_logprobs = req.topLogprobs;
  if (req.user !== undefined && !drop.has('user')) body.user = req.user;
  if (req.metadata !== undefined && spec.metadata) body.metadata = { ...req.metadata };
  reasoning(body, req, spec);
  if (req.stream) {
    body.stream = true;
    // Usage is asked for whatever the client asked: accounting must never lose it.
    if ((spec.streamUsage ?? 'stream_options') === 'stream_options' && !drop.has('stream_options')) body.stream_options = { include_usage: true };
  }
  if (req.passthrough?.dialect === 'openai') {
    for (const [k, v] of Object.entries(req.passthrough.fields)) if (!(k in body)) (body as Record<string, unknown>)[k] = v;
  }
  spec.hooks?.finishBody?.(body, req);
  return applyExtra(body, req.extra);
}

function refuseUnsupported(req: ChatRequest, spec: CompatibleSpec): void {
  const no = new Set<UnsupportedFeature>(spec.unsupported ?? []);
  if (no.size === 0) return;
  const who = spec.displayName;
  if (no.has('tools') && req.tools?.length) unsupported('tools', `${who} does not support tools`);
  if (no.has('response_format') && req.responseFormat && req.responseFormat.type !== 'text') unsupported('response_format', `${who} does not support response_format`);
  if (no.has('json_schema') && req.responseFormat?.type === 'json_schema') unsupported('response_format', `${who} does not support json_schema response formats`);
  if (no.has('n') && req.n !== undefined && req.n > 1) unsupported('n', `${who} supports only n=1`);
  if (no.has('logprobs') && (req.logprobs || req.topLogprobs !== undefined)) unsupported('logprobs', `${who} does not support logprobs`);
  if (no.has('logit_bias') && req.logitBias && Object.keys(req.logitBias).length > 0) unsupported('logit_bias', `${who} does not support logit_bias`);
  if (no.has('seed') && req.seed !== undefined) unsupported('seed', `${who} does not support seed`);
  req.messages.forEach((m, i) => {
    if (no.has('name') && m.name !== undefined) unsupported(`messages[${i}].name`, `${who} does not support messages[].name`);
    if (no.has('images') && typeof m.content !== 'string' && m.content?.some((p) => p.type !== 'text')) {
      unsupported(`messages[${i}].content`, `${who} accepts text content only`);
    }
  });
}

function message(m: ChatMessage, spec: CompatibleSpec): OpenAIMessage {
  const role = m.role === 'developer' && !spec.developerRole ? 'system' : m.role;
  const out: OpenAIMessage = { role, content: content(m) };
  if (m.name !== undefined) out.name = m.name;
  const rewrite = spec.hooks?.toolCallId;
  if (m.toolCalls && m.toolCalls.length > 0) {
    out.tool_calls = m.toolCalls.map((tc) => ({
      id: rewrite ? rewrite(tc.id) : tc.id,
      type: 'function',
      function: { name: tc.name, arguments: tc.arguments },
    }));
    if (out.content === '') out.content = null;
  }
  if (m.toolCallId !== undefined) out.tool_call_id = rewrite ? rewrite(m.toolCallId) : m.toolCallId;
  if (m.refusal !== undefined && m.role === 'assistant') out.refusal = m.refusal;
  return out;
}

function content(m: ChatMessage): string | OpenAIContentPart[] | null {
  if (m.content === null || typeof m.content === 'string') return m.content;
  // Text-only parts become a string: several compatible servers refuse arrays outside user images.
  if (m.content.every((p) => p.type === 'text')) return m.content.map((p) => (p as { text: string }).text).join('');
  return m.content.map(part);
}

function part(p: ContentPart): OpenAIContentPart {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: p.text };
    case 'image': {
      const url = p.source.kind === 'url' ? p.source.url : dataUrl(p.source.mediaType, p.source.data);
      return { type: 'image_url', image_url: p.detail ? { url, detail: p.detail } : { url } };
    }
    case 'file': {
      if (p.source.kind === 'url') return { type: 'file', file: { file_data: p.source.url, ...(p.filename ? { filename: p.filename } : {}) } };
      return { type: 'file', file: { file_data: dataUrl(p.source.mediaType, p.source.data), ...(p.filename ? { filename: p.filename } : {}) } };
    }
  }
}

function toolChoice(c: ToolChoice): OpenAIToolChoice {
  return typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
}

function responseFormat(f: ResponseFormat): OpenAIResponseFormat {
  if (f.type !== 'json_schema') return { type: f.type };
  return {
    type: 'json_schema',
    json_schema: {
      name: f.name,
      schema: { ...f.schema },
      ...(f.description !== undefined ? { description: f.description } : {}),
      ...(f.strict !== undefined ? { strict: f.strict } : {}),
    },
  };
}

function reasoning(body: OpenAIChatRequest, req: ChatRequest, spec: CompatibleSpec): void {
  const r = req.reasoning;
  if (!r) return;
  const how = spec.reasoningParam ?? 'none';
  if (how === 'reasoning_effort') {
    const effort = r.enabled === false ? 'none' : r.effort;
    if (effort !== undefined) body.reasoning_effort = effort;
  } else if (how === 'openrouter') {
    if (r.enabled === false) body.reasoning = { enabled: false };
    else if (r.budgetTokens !== undefined) body.reasoning = { max_tokens: r.budgetTokens };
    else if (r.effort !== undefined) body.reasoning = { effort: r.effort };
    else if (r.enabled) body.reasoning = { enabled: true };
  }
}
