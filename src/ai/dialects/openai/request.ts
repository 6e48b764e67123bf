import type { ChatRequest, ReasoningOptions, ResponseFormat, ToolChoice, ToolDefinition } from '../../../core/llm/types.js';
import {
  at,
  item,
  oneOf,
  optArray,
  optBoolean,
  optNumber,
  optObject,
  optOneOf,
  optString,
  refuse,
  requireObject,
  requireString,
  wrongType,
} from '../shared/fields.js';
import { isRecord, type Json } from '../shared/reject.js';
import { parseMessages } from './messages.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Top-level fields this dialect reads; every other field is kept as `passthrough` for OpenAI-wire upstreams. */
const MODELLED = new Set([
  'model', 'messages', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'temperature', 'top_p', 'top_k',
  'max_tokens', 'max_completion_tokens', 'stop', 'seed', 'n', 'frequency_penalty', 'presence_penalty', 'logit_bias',
  'logprobs', 'top_logprobs', 'stream', 'stream_options', 'user', 'reasoning_effort', 'metadata',
]);

/** Deprecated function calling: its answers (`message.function_call`) have no canonical form, so it is refused, not dropped. */
const DEPRECATED: Readonly<Record<string, string>> = { functions: 'tools', function_call: 'tool_choice' };

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high'] as const;

function tools(v: unknown): ToolDefinition[] | undefined {
  const list = optArray(v, 'tools');
  if (!list) return undefined;
  return list.map((raw, i) => {
    const p = item('tools', i);
    const t = requireObject(raw, p);
    oneOf(t.type, at(p, 'type'), ['function'] as const);
    const fn = requireObject(t.function, at(p, 'function'));
    const name = requireString(fn.name, at(p, 'function.name'), { nonEmpty: true });
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) refuse(at(p, 'function.name'), `Invalid '${at(p, 'function.name')}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.`, 'invalid_value');
    const description = optString(fn.description, at(p, 'function.description'));
    const parameters = optObject(fn.parameters, at(p, 'function.parameters'));
    const strict = optBoolean(fn.strict, at(p, 'function.strict'));
    const d: Mutable<ToolDefinition> = { name };
    if (description !== undefined) d.description = description;
    if (parameters !== undefined) d.parameters = parameters;
    if (strict !== undefined) d.strict = strict;
    return d;
  });
}

function toolChoice(v: unknown): ToolChoice | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return oneOf(v, 'tool_choice', ['auto', 'none', 'required'] as const);
  if (!isRecord(v)) return wrongType('tool_choice', "a string ('auto', 'none', 'required') or an object", v);
  oneOf(v.type, 'tool_choice.type', ['function'] as const);
  const fn = requireObject(v.function, 'tool_choice.function');
  return { name: requireString(fn.name, 'tool_choice.function.name', { nonEmpty: true }) };
}

function responseFormat(v: unknown): ResponseFormat | undefined {
  const f = optObject(v, 'response_format');
  if (!f) return undefined;
  const type = oneOf(f.type, 'response_format.type', ['text', 'json_object', 'json_schema'] as const);
  if (type !== 'json_schema') return { type };
  const js = requireObject(f.json_schema, 'response_format.json_schema');
  const name = requireString(js.name, 'response_format.json_schema.name', { nonEmpty: true });
  const schema = optObject(js.schema, 'response_format.json_schema.schema') ?? {};
  const description = optString(js.description, 'response_format.json_schema.description');
  const strict = optBoolean(js.strict, 'response_format.json_schema.strict');
  return { type, name, schema, ...(description !== undefined ? { description } : {}), ...(strict !== undefined ? { strict } : {}) };
}

function stop(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return wrongType('stop', 'a string or an array of strings', v);
  if (v.length > 4) refuse('stop', `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${v.length} instead.`, 'array_above_max_length');
  return (v as unknown[]).map((s, i) => requireString(s, item('stop', i)));
}

function numberMap(v: unknown, param: string, min: number, max: number): Record<string, number> | undefined {
  const o = optObject(v, param);
  if (!o) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(o)) out[k] = optNumber(x, at(param, k), { min, max }) ?? refuse(at(param, k), `Invalid '${at(param, k)}': expected a number.`, 'invalid_type');
  return out;
}

function metadata(v: unknown): Record<string, string> | undefined {
  const o = optObject(v, 'metadata');
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(o)) out[k] = requireString(x, at('metadata', k));
  return out;
}

/**
 * An OpenAI Chat Completions body → canonical request. Scalar parameters are checked before the
 * messages (as OpenAI does), so a body with several problems is refused for the same one OpenAI names.
 */
export function parseOpenAIChatRequest(j: Json): ChatRequest {
  for (const [k, use] of Object.entries(DEPRECATED)) {
    if (j[k] !== undefined && j[k] !== null) refuse(k, `The deprecated '${k}' parameter is not supported: use '${use}'.`, 'unsupported_parameter');
  }
  const model = requireString(j.model, 'model', { nonEmpty: true });
  const r: Mutable<ChatRequest> = { model, messages: [], stream: false };
  const num = (k: string, rule: Parameters<typeof optNumber>[2]) => optNumber(j[k], k, rule);
  // Token limits first: OpenAI names them first when a body has several problems (the recorded 400).
  const maxTokens = num('max_tokens', { integer: true, min: 1 });
  const maxCompletion = num('max_completion_tokens', { integer: true, min: 1 });
  const temperature = num('temperature', { min: 0, max: 2 });
  const topP = num('top_p', { min: 0, max: 1 });
  const topK = num('top_k', { integer: true, min: 0 });
  if (maxTokens !== undefined && maxCompletion !== undefined && maxTokens !== maxCompletion) {
    refuse('max_tokens', "Invalid 'max_tokens': set either 'max_tokens' or 'max_completion_tokens', not both with different values.");
  }
  const seed = num('seed', { integer: true });
  const n = num('n', { integer: true, min: 1, max: 128 });
  const frequencyPenalty = num('frequency_penalty', { min: -2, max: 2 });
  const presencePenalty = num('presence_penalty', { min: -2, max: 2 });
  const logprobs = optBoolean(j.logprobs, 'logprobs');
  const topLogprobs = num('top_logprobs', { integer: true, min: 0, max: 20 });
  if (topLogprobs !== undefined && logprobs !== true) refuse('top_logprobs', "Invalid 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.");
  const stream = optBoolean(j.stream, 'stream') ?? false;
  const so = optObject(j.stream_options, 'stream_options');
  if (so && !stream) refuse('stream_options', "Invalid 'stream_options': only allowed when 'stream' is true.");
  const includeUsage = so ? optBoolean(so.include_usage, 'stream_options.include_usage') : undefined;
  const user = optString(j.user, 'user');
  const effort = optOneOf(j.reasoning_effort, 'reasoning_effort', EFFORTS);
  const parallel = optBoolean(j.parallel_tool_calls, 'parallel_tool_calls');
  const logitBias = numberMap(j.logit_bias, 'logit_bias', -100, 100);
  const meta = metadata(j.metadata);
  const stops = stop(j.stop);
  const format = responseFormat(j.response_format);
  r.messages = parseMessages(j.messages);
  const defs = tools(j.tools);
  const choice = toolChoice(j.tool_choice);

  if (defs && defs.length > 0) r.tools = defs;
  if (choice !== undefined) r.toolChoice = choice;
  if (parallel !== undefined) r.parallelToolCalls = parallel;
  if (format !== undefined) r.responseFormat = format;
  if (temperature !== undefined) r.temperature = temperature;
  if (topP !== undefined) r.topP = topP;
  if (topK !== undefined) r.topK = topK;
  const max = maxCompletion ?? maxTokens;
  if (max !== undefined) r.maxTokens = max;
  if (stops && stops.length > 0) r.stop = stops;
  if (seed !== undefined) r.seed = seed;
  if (n !== undefined) r.n = n;
  if (frequencyPenalty !== undefined) r.frequencyPenalty = frequencyPenalty;
  if (presencePenalty !== undefined) r.presencePenalty = presencePenalty;
  if (logitBias !== undefined) r.logitBias = logitBias;
  if (logprobs !== undefined) r.logprobs = logprobs;
  if (topLogprobs !== undefined) r.topLogprobs = topLogprobs;
  r.stream = stream;
  if (stream) r.streamUsage = includeUsage === true;
  if (user !== undefined) r.user = user;
  if (effort !== undefined) r.reasoning = { effort } satisfies ReasoningOptions;
  if (meta !== undefined) r.metadata = meta;
  const rest: Record<string, unknown> = {};
  let any = false;
  for (const k of Object.keys(j)) {
    if (MODELLED.has(k) || j[k] === undefined) continue;
    rest[k] = j[k];
    any = true;
  }
  if (any) r.passthrough = { dialect: 'openai', fields: rest };
  return r;
}
