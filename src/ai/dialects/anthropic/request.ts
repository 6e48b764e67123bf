import type { ChatMessage, ChatRequest, ResponseFormat, ToolChoice, ToolDefinition } from '../../../core/llm/types.js';
import {
  at,
  item,
  oneOf,
  optArray,
  optBoolean,
  optNumber,
  optObject,
  optString,
  refuse,
  requireArray,
  requireNumber,
  requireObject,
  requireString,
} from '../shared/fields.js';
import { isRecord, type Json } from '../shared/reject.js';
import { assistantMessage, cacheHint, systemMessage, userMessages } from './content.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Top-level fields this dialect reads; the rest (service_tier, container, mcp_servers…) pass through to Anthropic upstreams. */
const MODELLED = new Set(['model', 'messages', 'system', 'max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream', 'tools', 'tool_choice', 'metadata', 'thinking', 'output_format']);

/** Name given to an Anthropic output schema for providers that need one (OpenAI `json_schema.name`). */
const SCHEMA_NAME = 'response';

function tools(v: unknown): ToolDefinition[] | undefined {
  const list = optArray(v, 'tools');
  if (!list) return undefined;
  return list.map((raw, i) => {
    const p = item('tools', i);
    const t = requireObject(raw, p);
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
      refuse(at(p, 'type'), `Invalid '${at(p, 'type')}': server tools (${JSON.stringify(t.type)}) run inside Anthropic and cannot be routed to other providers; declare client tools with 'input_schema'.`, 'unsupported_parameter');
    }
    const name = requireString(t.name, at(p, 'name'), { nonEmpty: true });
    const schema = requireObject(t.input_schema, at(p, 'input_schema'));
    const description = optString(t.description, at(p, 'description'));
    const strict = optBoolean(t.strict, at(p, 'strict'));
    const cache = cacheHint(t.cache_control, at(p, 'cache_control'));
    const d: Mutable<ToolDefinition> = { name, parameters: schema };
    if (description !== undefined) d.description = description;
    if (strict !== undefined) d.strict = strict;
    if (cache) d.cache = cache;
    return d;
  });
}

function toolChoice(v: unknown): { choice?: ToolChoice; parallel?: boolean } {
  const c = optObject(v, 'tool_choice');
  if (!c) return {};
  const type = oneOf(c.type, 'tool_choice.type', ['auto', 'any', 'tool', 'none'] as const);
  const noParallel = optBoolean(c.disable_parallel_tool_use, 'tool_choice.disable_parallel_tool_use');
  const parallel = noParallel === undefined ? {} : { parallel: !noParallel };
  if (type === 'none') return { choice: 'none' };
  if (type === 'auto') return { choice: 'auto', ...parallel };
  if (type === 'any') return { choice: 'required', ...parallel };
  return { choice: { name: requireString(c.name, 'tool_choice.name', { nonEmpty: true }) }, ...parallel };
}

function messages(v: unknown): ChatMessage[] {
  const out: ChatMessage[] = [];
  requireArray(v, 'messages', { nonEmpty: true }).forEach((raw, i) => {
    const p = item('messages', i);
    const m = requireObject(raw, p);
    const role = oneOf(m.role, at(p, 'role'), ['user', 'assistant'] as const);
    if (m.content === undefined || m.content === null) requireString(m.content, at(p, 'content'));
    if (role === 'user') out.push(...userMessages(m.content, at(p, 'content')));
    else out.push(assistantMessage(m.content, at(p, 'content')));
  });
  return out;
}

/** `output_format` (and `output_config.format` when it holds nothing else): a JSON schema for the answer. */
function outputSchema(v: unknown, param: string): ResponseFormat | undefined {
  const f = optObject(v, param);
  if (!f) return undefined;
  oneOf(f.type, at(param, 'type'), ['json_schema'] as const);
  return { type: 'json_schema', name: SCHEMA_NAME, schema: requireObject(f.schema, at(param, 'schema')) };
}

/** An Anthropic Messages body → canonical request. `max_tokens` is required, as Anthropic requires it. */
export function parseAnthropicRequest(j: Json): ChatRequest {
  const model = requireString(j.model, 'model', { nonEmpty: true });
  const maxTokens = requireNumber(j.max_tokens, 'max_tokens', { integer: true, min: 1 });
  const temperature = optNumber(j.temperature, 'temperature', { min: 0, max: 1 });
  const topP = optNumber(j.top_p, 'top_p', { min: 0, max: 1 });
  const topK = optNumber(j.top_k, 'top_k', { integer: true, min: 0 });
  const stop = optArray(j.stop_sequences, 'stop_sequences')?.map((s, i) => requireString(s, item('stop_sequences', i)));
  const stream = optBoolean(j.stream, 'stream') ?? false;
  const meta = optObject(j.metadata, 'metadata');
  const user = meta ? optString(meta.user_id, 'metadata.user_id') : undefined;
  const sys = systemMessage(j.system);
  const msgs = messages(j.messages);
  const defs = tools(j.tools);
  const { choice, parallel } = toolChoice(j.tool_choice);
  const r: Mutable<ChatRequest> = { model, messages: sys ? [sys, ...msgs] : msgs, maxTokens, stream };
  if (defs && defs.length > 0) r.tools = defs;
  if (choice !== undefined) r.toolChoice = choice;
  if (parallel !== undefined) r.parallelToolCalls = parallel;
  if (temperature !== undefined) r.temperature = temperature;
  if (topP !== undefined) r.topP = topP;
  if (topK !== undefined) r.topK = topK;
  if (stop && stop.length > 0) r.stop = stop;
  if (user !== undefined) r.user = user;
  if (stream) r.streamUsage = true;
  const rest: Record<string, unknown> = {};
  const keep = (k: string, v: unknown) => (rest[k] = v);
  thinking(j.thinking, r, keep);
  const format = outputSchema(j.output_format, 'output_format');
  if (format) r.responseFormat = format;
  for (const k of Object.keys(j)) {
    if (MODELLED.has(k) || j[k] === undefined) continue;
    const oc = j[k];
    if (k === 'output_config' && isRecord(oc) && Object.keys(oc).length === 1 && oc.format !== undefined && !format) {
      r.responseFormat = outputSchema(oc.format, 'output_config.format');
      continue;
    }
    keep(k, oc);
  }
  if (Object.keys(rest).length > 0) r.passthrough = { dialect: 'anthropic', fields: rest };
  return r;
}

/** `thinking`: enabled with a budget, or disabled; other kinds (adaptive…) pass through to Anthropic as sent. */
function thinking(v: unknown, r: Mutable<ChatRequest>, keep: (k: string, v: unknown) => void): void {
  const t = optObject(v, 'thinking');
  if (!t) return;
  const type = requireString(t.type, 'thinking.type');
  if (type === 'enabled') r.reasoning = { enabled: true, budgetTokens: requireNumber(t.budget_tokens, 'thinking.budget_tokens', { integer: true, min: 1024 }) };
  else if (type === 'disabled') r.reasoning = { enabled: false };
  else keep('thinking', t);
}
