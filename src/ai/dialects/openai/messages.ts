import type { CacheHint, ChatMessage, ContentPart, ReasoningBlock, ToolCall } from '../../../core/llm/types.js';
import { sourceFromUrl } from '../../providers/shared/content.js';
import { at, item, missing, oneOf, optArray, optObject, optOneOf, optString, refuse, requireArray, requireObject, requireString, wrongType } from '../shared/fields.js';
import type { Json } from '../shared/reject.js';
import { unpackToolCallId } from '../shared/tool-id.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;

/** `cache_control` on a content part: not OpenAI's, but what clients send to reach Anthropic through OpenAI-shaped gateways. */
function cacheHint(v: unknown, param: string): CacheHint | undefined {
  const c = optObject(v, param);
  if (!c) return undefined;
  oneOf(c.type, at(param, 'type'), ['ephemeral'] as const);
  const ttl = optString(c.ttl, at(param, 'ttl'));
  return ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl };
}

function textPart(p: Json, param: string): ContentPart {
  const text = requireString(p.text, at(param, 'text'));
  const cache = cacheHint(p.cache_control, at(param, 'cache_control'));
  return cache ? { type: 'text', text, cache } : { type: 'text', text };
}

function imagePart(p: Json, param: string): ContentPart {
  const img = requireObject(p.image_url, at(param, 'image_url'));
  const url = requireString(img.url, at(param, 'image_url.url'), { nonEmpty: true });
  const detail = optOneOf(img.detail, at(param, 'image_url.detail'), ['auto', 'low', 'high'] as const);
  const cache = cacheHint(p.cache_control, at(param, 'cache_control'));
  return { type: 'image', source: sourceFromUrl(url), ...(detail ? { detail } : {}), ...(cache ? { cache } : {}) };
}

function filePart(p: Json, param: string): ContentPart {
  const f = requireObject(p.file, at(param, 'file'));
  if (f.file_id !== undefined && f.file_id !== null) {
    refuse(at(param, 'file.file_id'), `Invalid '${at(param, 'file.file_id')}': uploaded file references cannot be forwarded to other providers; send the file inline as 'file_data' (a data: URL).`, 'unsupported_parameter');
  }
  const data = requireString(f.file_data, at(param, 'file.file_data'), { nonEmpty: true });
  if (!/^(data:|https?:\/\/)/.test(data)) refuse(at(param, 'file.file_data'), `Invalid '${at(param, 'file.file_data')}': expected a data: URL (data:application/pdf;base64,…) or an http(s) URL.`);
  const filename = optString(f.filename, at(param, 'file.filename'));
  const cache = cacheHint(p.cache_control, at(param, 'cache_control'));
  return { type: 'file', source: sourceFromUrl(data), ...(filename !== undefined ? { filename } : {}), ...(cache ? { cache } : {}) };
}

type PartKind = 'text' | 'image_url' | 'file' | 'refusal';

/** Which part types each role may carry (as the OpenAI API accepts them). */
const ALLOWED: Record<(typeof ROLES)[number], readonly PartKind[]> = {
  system: ['text'],
  developer: ['text'],
  user: ['text', 'image_url', 'file'],
  assistant: ['text', 'refusal'],
  tool: ['text'],
};

function parts(list: readonly unknown[], param: string, role: (typeof ROLES)[number], refusals: string[]): ContentPart[] {
  const allowed = ALLOWED[role];
  const out: ContentPart[] = [];
  list.forEach((raw, j) => {
    const pp = item(param, j);
    const p = requireObject(raw, pp);
    const type = requireString(p.type, at(pp, 'type'));
    if (type === 'input_audio') refuse(at(pp, 'type'), `Invalid '${at(pp, 'type')}': audio input parts are not supported by this gateway.`, 'unsupported_parameter');
    if (!(allowed as readonly string[]).includes(type)) {
      refuse(at(pp, 'type'), `Invalid value for '${at(pp, 'type')}': ${JSON.stringify(type)}. ${role} messages accept ${allowed.map((a) => `'${a}'`).join(', ')} content parts.`);
    }
    if (type === 'text') out.push(textPart(p, pp));
    else if (type === 'image_url') out.push(imagePart(p, pp));
    else if (type === 'file') out.push(filePart(p, pp));
    else refusals.push(requireString(p.refusal, at(pp, 'refusal')));
  });
  return out;
}

function toolCalls(list: readonly unknown[], param: string): ToolCall[] {
  return list.map((raw, j) => {
    const pp = item(param, j);
    const tc = requireObject(raw, pp);
    if (tc.type !== undefined) oneOf(tc.type, at(pp, 'type'), ['function'] as const);
    const fn = requireObject(tc.function, at(pp, 'function'));
    const { id, signature } = unpackToolCallId(requireString(tc.id, at(pp, 'id'), { nonEmpty: true }));
    const name = requireString(fn.name, at(pp, 'function.name'), { nonEmpty: true });
    const args = requireString(fn.arguments, at(pp, 'function.arguments'));
    return signature === undefined ? { id, name, arguments: args } : { id, name, arguments: args, signature };
  });
}

/** One message of `messages`, as the Chat Completions API accepts it. */
export function parseMessage(raw: unknown, param: string): ChatMessage {
  const m = requireObject(raw, param);
  if (m.role === 'function') {
    refuse(at(param, 'role'), `Invalid value for '${at(param, 'role')}': the deprecated 'function' role is not supported; send tool results as role 'tool' with 'tool_call_id'.`);
  }
  const role = oneOf(m.role, at(param, 'role'), ROLES);
  const out: Mutable<ChatMessage> = { role, content: null };
  const refusals: string[] = [];
  const content = m.content;
  const cp = at(param, 'content');
  if (typeof content === 'string') out.content = content;
  else if (Array.isArray(content)) out.content = parts(content as unknown[], cp, role, refusals);
  else if (content === undefined || content === null) {
    if (role !== 'assistant') missing(cp);
  } else wrongType(cp, 'a string or an array of content parts', content);
  const name = optString(m.name, at(param, 'name'));
  if (name !== undefined) out.name = name;
  if (role === 'assistant') {
    const calls = optArray(m.tool_calls, at(param, 'tool_calls'));
    if (calls && calls.length > 0) out.toolCalls = toolCalls(calls, at(param, 'tool_calls'));
    const refusal = optString(m.refusal, at(param, 'refusal'));
    if (refusal !== undefined) refusals.unshift(refusal);
    if (refusals.length > 0) out.refusal = refusals.join('');
    // Reasoning as DeepSeek-style servers (and this gateway's responses) carry it: sent back on the next turn.
    const rc = optString(m.reasoning_content, at(param, 'reasoning_content'));
    if (rc) out.reasoning = [{ text: rc } satisfies ReasoningBlock];
    if (out.content === null && !out.toolCalls) out.content = '';
  }
  if (role === 'tool') out.toolCallId = unpackToolCallId(requireString(m.tool_call_id, at(param, 'tool_call_id'), { nonEmpty: true })).id;
  return out;
}

export function parseMessages(v: unknown): ChatMessage[] {
  return requireArray(v, 'messages', { nonEmpty: true }).map((m, i) => parseMessage(m, item('messages', i)));
}
