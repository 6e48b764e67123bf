import type { CacheHint, ChatMessage, ChatRequest, ContentPart, ImageSource, ToolChoice } from '../../../core/llm/types.js';
import { argumentsObject, partsOf } from '../shared/content.js';
import { unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';
import type {
  CachePoint,
  ContentBlock,
  ConverseMessage,
  ConverseRequest,
  DocumentBlock,
  ImageBlock,
  MediaSource,
  TextBlock,
  ToolChoice as WireToolChoice,
  ToolSpec,
} from './wire.js';

/** Claude on Bedrock needs maxTokens above the thinking budget; OpenAI clients often omit it. */
const DEFAULT_MAX_TOKENS = 4096;
/** Thinking budgets for OpenAI-style effort levels (Anthropic's minimum budget is 1024). */
const EFFORT_BUDGET = { minimal: 1024, low: 2048, medium: 8192, high: 24576 } as const;

const CACHE_POINT: CachePoint = { cachePoint: { type: 'default' } };
const IMAGE_FORMATS: Readonly<Record<string, ImageBlock['image']['format']>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
const DOCUMENT_FORMATS: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};
/** Cross-region inference-profile prefixes in model ids (`us.anthropic.…`). */
const GEO_PREFIXES = new Set(['us', 'eu', 'apac', 'us-gov', 'global', 'jp', 'au', 'ca']);

/**
 * The model vendor of a Bedrock model id, inference-profile id or ARN (`anthropic`, `amazon`, `meta`…);
 * undefined for opaque ids (application inference profiles, provisioned throughput).
 */
export function modelVendor(modelId: string): string | undefined {
  const last = modelId.slice(modelId.lastIndexOf('/') + 1);
  const parts = last.split('.');
  if (parts.length < 2) return undefined;
  return parts.length > 2 && GEO_PREFIXES.has(parts[0]!) ? parts[1] : parts[0];
}

function source(src: ImageSource, param: string, what: string): MediaSource {
  if (src.kind === 'base64') return { bytes: src.data };
  if (src.url.startsWith('s3://')) return { s3Location: { uri: src.url } };
  return unsupported(param, `Bedrock takes ${what} as inline bytes or an s3:// location, not a URL (send a data: URL)`);
}

function mediaType(src: ImageSource): string | undefined {
  return src.kind === 'base64' ? src.mediaType.toLowerCase() : undefined;
}

/** Document names allow letters, digits, single spaces, hyphens, parentheses and brackets. */
function documentName(filename: string | undefined, fallback: string): string {
  const base = (filename ?? '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const clean = base.replace(/[^A-Za-z0-9\s\-()[\]]/g, '-').replace(/\s+/g, ' ').trim();
  return clean.length > 0 ? clean : fallback;
}

function block(p: ContentPart, param: string): TextBlock | ImageBlock | DocumentBlock {
  switch (p.type) {
    case 'text':
      return { text: p.text };
    case 'image': {
      const mt = mediaType(p.source);
      const format = mt ? IMAGE_FORMATS[mt] : (/\.(png|jpe?g|gif|webp)$/i.exec(p.source.kind === 'url' ? p.source.url : '')?.[1]?.toLowerCase().replace('jpg', 'jpeg') as ImageBlock['image']['format'] | undefined);
      if (!format) unsupported(param, `Bedrock accepts png, jpeg, gif and webp images${mt ? `, not ${mt}` : ''}`);
      return { image: { format, source: source(p.source, param, 'images') } };
    }
    case 'file': {
      const mt = mediaType(p.source);
      const format = mt ? DOCUMENT_FORMATS[mt] : /\.(pdf|csv|docx?|xlsx?|html|txt|md)$/i.exec(p.source.kind === 'url' ? p.source.url : '')?.[1]?.toLowerCase();
      if (!format) unsupported(param, `Bedrock accepts pdf, csv, doc, docx, xls, xlsx, html, txt and md documents${mt ? `, not ${mt}` : ''}`);
      return { document: { format, name: documentName(p.filename, `document ${param.replace(/\D+/g, ' ').trim()}`), source: source(p.source, param, 'documents') } };
    }
  }
}

/** A part's block, followed by a cache point when the part carries a cache hint. */
function withCache(b: ContentBlock, hint: CacheHint | undefined, out: ContentBlock[]): void {
  out.push(b);
  if (hint) out.push(CACHE_POINT);
}

function userBlocks(m: ChatMessage, i: number): ContentBlock[] {
  const out: ContentBlock[] = [];
  partsOf(m.content).forEach((p, j) => {
    // Bedrock refuses blank text blocks.
    if (p.type === 'text' && p.text.trim() === '') return;
    withCache(block(p, `messages[${i}].content[${j}]`), p.cache, out);
  });
  return out;
}

function assistantBlocks(m: ChatMessage, i: number): ContentBlock[] {
  const out: ContentBlock[] = [];
  for (const r of m.reasoning ?? []) {
    if (r.redacted !== undefined) out.push({ reasoningContent: { redactedContent: r.redacted } });
    // Unsigned reasoning cannot be verified by the model and is not replayed (as for Anthropic).
    else if (r.signature !== undefined) out.push({ reasoningContent: { reasoningText: { text: r.text, signature: r.signature } } });
  }
  out.push(...userBlocks(m, i));
  (m.toolCalls ?? []).forEach((tc, j) => {
    const args = argumentsObject(tc.arguments);
    if (!args.ok) unsupported(`messages[${i}].tool_calls[${j}].function.arguments`, 'tool call arguments must be a JSON object');
    out.push({ toolUse: { toolUseId: tc.id, name: tc.name, input: args.value } });
  });
  return out;
}

function toolResult(m: ChatMessage, i: number): ContentBlock {
  if (m.toolCallId === undefined) unsupported(`messages[${i}].tool_call_id`, 'a tool message needs tool_call_id');
  const content = partsOf(m.content)
    .filter((p) => p.type !== 'text' || p.text.length > 0)
    .map((p, j) => block(p, `messages[${i}].content[${j}]`));
  return { toolResult: { toolUseId: m.toolCallId, content, ...(m.isError ? { status: 'error' as const } : {}) } };
}

/** Turns alternate user/assistant: tool results and following user text join one user turn. */
function messages(req: ChatRequest): ConverseMessage[] {
  const out: ConverseMessage[] = [];
  const push = (role: ConverseMessage['role'], blocks: ContentBlock[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  req.messages.forEach((m, i) => {
    if (m.role === 'system' || m.role === 'developer') return;
    if (m.role === 'tool') push('user', [toolResult(m, i)]);
    else if (m.role === 'user') push('user', userBlocks(m, i));
    else push('assistant', assistantBlocks(m, i));
  });
  return out;
}

function system(req: ChatRequest): (TextBlock | CachePoint)[] {
  const out: (TextBlock | CachePoint)[] = [];
  req.messages.forEach((m, i) => {
    if (m.role !== 'system' && m.role !== 'developer') return;
    partsOf(m.content).forEach((p, j) => {
      if (p.type !== 'text') unsupported(`messages[${i}].content[${j}]`, 'Bedrock system prompts accept text only');
      if (p.text.trim() === '') return;
      out.push({ text: p.text });
      if (p.cache) out.push(CACHE_POINT);
    });
  });
  return out;
}

function toolChoice(c: ToolChoice | undefined): WireToolChoice | undefined {
  if (c === undefined || c === 'none') return undefined;
  if (c === 'auto') return { auto: {} };
  if (c === 'required') return { any: {} };
  return { tool: { name: c.name } };
}

function hasToolBlocks(msgs: readonly ConverseMessage[]): boolean {
  return msgs.some((m) => m.content.some((b) => 'toolUse' in b || 'toolResult' in b));
}

function thinkingBudget(req: ChatRequest): number | undefined {
  const r = req.reasoning;
  if (!r || r.enabled === false || r.effort === 'none') return undefined;
  return r.budgetTokens ?? (r.effort ? EFFORT_BUDGET[r.effort] : r.enabled ? EFFORT_BUDGET.medium : undefined);
}

/** Model-specific fields: `top_k` and Claude's `thinking`, in the shape each model family reads. */
function additionalFields(req: ChatRequest, vendor: string | undefined, budget: number | undefined): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (req.topK !== undefined) {
    if (vendor === 'amazon') f.inferenceConfig = { topK: req.topK };
    else if (vendor === 'anthropic' || vendor === 'mistral') f.top_k = req.topK;
    // Other families have no top-k: dropped, as the canonical model documents.
  }
  if (vendor === 'anthropic') {
    if (budget !== undefined) f.thinking = { type: 'enabled', budget_tokens: budget };
    else if (req.reasoning && (req.reasoning.enabled === false || req.reasoning.effort === 'none')) f.thinking = { type: 'disabled' };
  }
  return f;
}

/** `toolConfig`: tool specs (with cache points) and the choice. Converse has no "none": the tools are
 * left out then, unless the history holds tool blocks (Bedrock requires the config with them). */
function toolConfig(req: ChatRequest, msgs: readonly ConverseMessage[]): ConverseRequest['toolConfig'] {
  const tools = req.tools ?? [];
  const named = typeof req.toolChoice === 'object' ? req.toolChoice.name : undefined;
  if (tools.length === 0 || (req.toolChoice === 'none' && !hasToolBlocks(msgs))) {
    if (named !== undefined || req.toolChoice === 'required') unsupported('tool_choice', 'tool_choice needs tools');
    return undefined;
  }
  if (named !== undefined && !tools.some((t) => t.name === named)) unsupported('tool_choice', `tool_choice names "${named}", which is not among the tools`);
  const specs: (ToolSpec | CachePoint)[] = [];
  for (const t of tools) {
    specs.push({
      toolSpec: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        inputSchema: { json: t.parameters ? { ...t.parameters } : { type: 'object', properties: {} } },
      },
    });
    if (t.cache) specs.push(CACHE_POINT);
  }
  const choice = toolChoice(req.toolChoice);
  return choice ? { tools: specs, toolChoice: choice } : { tools: specs };
}

/** Canonical request → Converse / ConverseStream body (the model id travels in the path). */
export function toConverseBody(req: ChatRequest, modelId: string): ConverseRequest {
  if (req.n !== undefined && req.n > 1) unsupported('n', 'Bedrock Converse returns one choice per request (n must be 1)');
  if (req.logprobs) unsupported('logprobs', 'Bedrock Converse does not return logprobs');
  if (req.logitBias && Object.keys(req.logitBias).length > 0) unsupported('logit_bias', 'Bedrock Converse has no logit bias');
  const vendor = modelVendor(modelId);
  const budget = vendor === 'anthropic' ? thinkingBudget(req) : undefined;
  const body: ConverseRequest = { messages: messages(req) };
  const sys = system(req);
  if (sys.length > 0) body.system = sys;

  const inference: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const maxTokens = req.maxTokens ?? (budget !== undefined ? budget + DEFAULT_MAX_TOKENS : undefined);
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  if (req.temperature !== undefined) inference.temperature = req.temperature;
  if (req.topP !== undefined) inference.topP = req.topP;
  if (req.stop && req.stop.length > 0) inference.stopSequences = [...req.stop];
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const tc = toolConfig(req, body.messages);
  if (tc) body.toolConfig = tc;

  const extra = additionalFields(req, vendor, budget);
  if (Object.keys(extra).length > 0) body.additionalModelRequestFields = extra;
  const rf = req.responseFormat;
  if (rf?.type === 'json_schema') {
    body.outputConfig = {
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: JSON.stringify(rf.schema), name: rf.name, ...(rf.description !== undefined ? { description: rf.description } : {}) } },
      },
    };
  }
  if (req.metadata && Object.keys(req.metadata).length > 0) body.requestMetadata = { ...req.metadata };
  return applyExtra(body, req.extra);
}
