import type { ChatMessage, ContentPart, ImageSource } from '../../../core/llm/types.js';

/** The text of a message's content (text parts joined), ignoring non-text parts. */
export function textOf(content: ChatMessage['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  let s = '';
  for (const p of content) if (p.type === 'text') s += p.text;
  return s;
}

/** Content as parts (a string becomes one text part). */
export function partsOf(content: ChatMessage['content']): readonly ContentPart[] {
  if (content === null) return [];
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : [];
  return content;
}

const DATA_URL = /^data:([^;,]+)?(?:;[^;,]*)*?;base64,/;

/** `data:image/png;base64,…` → source; other URLs stay URLs. */
export function sourceFromUrl(url: string): ImageSource {
  const m = DATA_URL.exec(url);
  if (m) return { kind: 'base64', mediaType: m[1] ?? 'application/octet-stream', data: url.slice(m[0].length) };
  return { kind: 'url', url };
}

export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

/** Names of the tools the assistant called, by call id (tool results need the name for Gemini, Ollama). */
export function toolNamesById(messages: readonly ChatMessage[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const msg of messages) for (const tc of msg.toolCalls ?? []) m.set(tc.id, tc.name);
  return m;
}

/** Best-effort media type from a URL's extension (for providers that need one with a URL). */
export function mediaTypeFromUrl(url: string): string | undefined {
  const path = url.split(/[?#]/)[0]?.toLowerCase() ?? '';
  if (path.endsWith('.png')) return 'image/png';
  if (path.endsWith('.jpg') || path.endsWith('.jpeg')) return 'image/jpeg';
  if (path.endsWith('.gif')) return 'image/gif';
  if (path.endsWith('.webp')) return 'image/webp';
  if (path.endsWith('.pdf')) return 'application/pdf';
  return undefined;
}

/** Parse tool-call arguments JSON for providers that want an object; `param` names the client field. */
export function argumentsObject(args: string): { ok: true; value: Record<string, unknown> } | { ok: false } {
  if (args.trim() === '') return { ok: true, value: {} };
  try {
    const v = JSON.parse(args) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ok: true, value: v as Record<string, unknown> } : { ok: false };
  } catch {
    return { ok: false };
  }
}
