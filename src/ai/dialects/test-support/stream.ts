import type { StreamTranslator } from '../../../core/llm/stream.js';
import { OutputText, StreamProgress } from '../../service/relay.js';
import type { StreamEncoder } from '../contract.js';

/**
 * Upstream bytes → the client's SSE text, the way the relay does it (same StreamProgress): every
 * translator step through the dialect's encoder, then the closing frames.
 */
export function reencode(translator: StreamTranslator, parts: readonly Uint8Array[], encoder: StreamEncoder): string {
  const p = new StreamProgress(encoder, new OutputText());
  let text = '';
  for (const part of parts) text += p.encode(translator.push(part));
  text += p.encode(translator.end());
  return text + p.close();
}

export interface SseFrame {
  readonly event?: string;
  readonly data: string;
}

/** Frames of an SSE text (`event:` and joined `data:` lines), pings kept. */
export function sseFrames(text: string): SseFrame[] {
  const out: SseFrame[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) out.push(event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') });
  }
  return out;
}

/** The JSON payloads of an SSE text (`[DONE]` kept as the string). */
export function ssePayloadValues(text: string): unknown[] {
  return sseFrames(text).map((f) => (f.data === '[DONE]' ? '[DONE]' : (JSON.parse(f.data) as unknown)));
}

/** A deep copy of `v` without the listed keys at any depth (fields the canonical model does not carry). */
export function without(v: unknown, keys: readonly string[]): unknown {
  if (Array.isArray(v)) return v.map((x) => without(x, keys));
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!keys.includes(k)) out[k] = without(x, keys);
  return out;
}
