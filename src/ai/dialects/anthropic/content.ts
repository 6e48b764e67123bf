import type { CacheHint, ChatMessage, ContentPart, ImageSource, ReasoningBlock, ToolCall } from '../../../core/llm/types.js';
import { at, item, oneOf, optBoolean, optObject, optString, refuse, requireArray, requireObject, requireString, wrongType } from '../shared/fields.js';
import type { Json } from '../shared/reject.js';
import { unpackToolCallId } from '../shared/tool-id.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function cacheHint(v: unknown, param: string): CacheHint | undefined {
  const c = optObject(v, param);
  if (!c) return undefined;
  oneOf(c.type, at(param, 'type'), ['ephemeral'] as const);
  const ttl = optString(c.ttl, at(param, 'ttl'));
  return ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl };
}

const withCache = <T extends ContentPart>(p: T, cache: CacheHint | undefined): T => (cache ? { ...p, cache } : p);

export function textBlock(b: Json, param: string): ContentPart {
  return withCache({ type: 'text', text: requireString(b.text, at(param, 'text')) }, cacheHint(b.cache_control, at(param, 'cache_control')));
}

function mediaSource(s: Json, param: string, kinds: readonly string[]): ImageSource {
  const type = oneOf(s.type, at(param, 'type'), kinds);
  if (type === 'url') return { kind: 'url', url: requireString(s.url, at(param, 'url'), { nonEmpty: true }) };
  const mediaType = requireString(s.media_type, at(param, 'media_type'), { nonEmpty: true });
  const data = requireString(s.data, at(param, 'data'));
  // Plain-text documents travel as base64 canonically (like any inline file), and back as text for Anthropic.
  if (type === 'text') return { kind: 'base64', mediaType, data: Buffer.from(data, 'utf8').toString('base64') };
  return { kind: 'base64', mediaType, data };
}

function imageBlock(b: Json, param: string): ContentPart {
  const source = mediaSource(requireObject(b.source, at(param, 'source')), at(param, 'source'), ['base64', 'url']);
  return withCache({ type: 'image', source }, cacheHint(b.cache_control, at(param, 'cache_control')));
}

function documentBlock(b: Json, param: string): ContentPart {
  const source = mediaSource(requireObject(b.source, at(param, 'source')), at(param, 'source'), ['base64', 'text', 'url']);
  const title = optString(b.title, at(param, 'title'));
  const part: ContentPart = { type: 'file', source, ...(title !== undefined ? { filename: title } : {}) };
  return withCache(part, cacheHint(b.cache_control, at(param, 'cache_control')));
}

/** Block types by role; server-tool blocks (web search…) have no canonical form and are refused by name. */
const USER_BLOCKS = ['text', 'image', 'document', 'tool_result'];
const ASSISTANT_BLOCKS = ['text', 'tool_use', 'thinking', 'redacted_thinking'];

function blockType(b: Json, param: string, allowed: readonly string[], role: string): string {
  const type = requireString(b.type, at(param, 'type'));
  if (!allowed.includes(type)) {
    refuse(at(param, 'type'), `Invalid '${at(param, 'type')}': ${JSON.stringify(type)} blocks are not supported in ${role} messages here (supported: ${allowed.join(', ')}).`);
  }
  return type;
}

function toolResult(b: Json, param: string): ChatMessage {
  const { id } = unpackToolCallId(requireString(b.tool_use_id, at(param, 'tool_use_id'), { nonEmpty: true }));
  const c = b.content;
  const cp = at(param, 'content');
  let content: ChatMessage['content'] = '';
  if (typeof c === 'string') content = c;
  else if (Array.isArray(c)) {
    content = (c as unknown[]).map((raw, k) => {
      const bp = item(cp, k);
      const block = requireObject(raw, bp);
      const type = blockType(block, bp, ['text', 'image', 'document'], 'tool_result');
      return type === 'text' ? textBlock(block, bp) : type === 'image' ? imageBlock(block, bp) : documentBlock(block, bp);
    });
  } else if (c !== undefined && c !== null) wrongType(cp, 'a string or an array of content blocks', c);
  const isError = optBoolean(b.is_error, at(param, 'is_error'));
  const cache = cacheHint(b.cache_control, at(param, 'cache_control'));
  return { role: 'tool', content, toolCallId: id, ...(isError ? { isError } : {}), ...(cache ? { cache } : {}) };
}

/**
 * A user turn: `tool_result` blocks become tool messages (in order) and the other blocks one user
 * message after them, the order Anthropic requires and the Anthropic adapter rebuilds.
 */
export function userMessages(content: unknown, param: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const blocks = requireArray(content, param);
  const tools: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((raw, j) => {
    const bp = item(param, j);
    const b = requireObject(raw, bp);
    const type = blockType(b, bp, USER_BLOCKS, 'user');
    if (type === 'tool_result') tools.push(toolResult(b, bp));
    else parts.push(type === 'text' ? textBlock(b, bp) : type === 'image' ? imageBlock(b, bp) : documentBlock(b, bp));
  });
  if (parts.length > 0 || tools.length === 0) tools.push({ role: 'user', content: parts });
  return tools;
}

export function assistantMessage(content: unknown, param: string): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const blocks = requireArray(content, param);
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const reasoning: ReasoningBlock[] = [];
  blocks.forEach((raw, j) => {
    const bp = item(param, j);
    const b = requireObject(raw, bp);
    switch (blockType(b, bp, ASSISTANT_BLOCKS, 'assistant')) {
      case 'text':
        parts.push(textBlock(b, bp));
        break;
      case 'tool_use': {
        const { id, signature } = unpackToolCallId(requireString(b.id, at(bp, 'id'), { nonEmpty: true }));
        const name = requireString(b.name, at(bp, 'name'), { nonEmpty: true });
        const input = b.input === undefined ? {} : requireObject(b.input, at(bp, 'input'));
        calls.push({ id, name, arguments: JSON.stringify(input), ...(signature !== undefined ? { signature } : {}) });
        break;
      }
      case 'thinking': {
        const text = requireString(b.thinking, at(bp, 'thinking'));
        const signature = optString(b.signature, at(bp, 'signature'));
        reasoning.push(signature ? { text, signature } : { text });
        break;
      }
      default:
        reasoning.push({ text: '', redacted: requireString(b.data, at(bp, 'data')) });
    }
  });
  const m: Mutable<ChatMessage> = { role: 'assistant', content: parts.length > 0 || calls.length === 0 ? parts : null };
  if (calls.length > 0) m.toolCalls = calls;
  if (reasoning.length > 0) m.reasoning = reasoning;
  return m;
}

/** `system`: a string, or text blocks (kept as parts so their cache hints survive). */
export function systemMessage(v: unknown): ChatMessage | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.length > 0 ? { role: 'system', content: v } : undefined;
  const blocks = requireArray(v, 'system');
  const parts = blocks.map((raw, j) => {
    const bp = item('system', j);
    const b = requireObject(raw, bp);
    oneOf(b.type, at(bp, 'type'), ['text'] as const);
    return textBlock(b, bp);
  });
  return parts.length > 0 ? { role: 'system', content: parts } : undefined;
}
