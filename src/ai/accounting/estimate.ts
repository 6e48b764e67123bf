import type { ChatRequest } from '../../core/llm/types.js';
import type { EmbeddingsRequest } from '../../core/llm/embeddings.js';
import { TokenCounter } from './token-counter.js';

/**
 * Offline token counts for when a provider reports no usage: a stream cut short by the client or the
 * upstream, or a provider without stream usage. Estimates, marked as such. Counting runs in a worker
 * thread (token-counter.ts), warmed up by `warmTokenizer` once an ai service exists; if the worker
 * cannot count, about four characters per token is used instead.
 */
const counter = new TokenCounter();

/** Starts the token counter now, so that no request waits for it (the AI runtime calls it once an ai service exists). */
export function warmTokenizer(): Promise<void> {
  return counter.warm();
}

/** Whether the counter is ready, and how many times its worker was started (for tests and status). */
export function tokenizerState(): { readonly ready: boolean; readonly loads: number } {
  return { ready: counter.ready, loads: counter.loads };
}

async function counts(texts: readonly string[]): Promise<number[]> {
  try {
    return await counter.count(texts);
  } catch {
    return texts.map((t) => Math.ceil(t.length / 4));
  }
}

/** Per-message framing overhead of chat formats (OpenAI's published counting recipe). */
const PER_MESSAGE = 3;
const PER_REPLY = 3;
/** A rough flat cost of one image part (OpenAI: 85 base tokens at low detail). */
const PER_IMAGE = 85;

export async function countTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  return (await counts([text]))[0]!;
}

/** Text the prompt is made of, and how many messages and images it has. */
export function promptText(req: ChatRequest): { text: string; messages: number; images: number } {
  const parts: string[] = [];
  let images = 0;
  for (const m of req.messages) {
    if (typeof m.content === 'string') parts.push(m.content);
    else if (m.content) {
      for (const p of m.content) {
        if (p.type === 'text') parts.push(p.text);
        else images++;
      }
    }
    for (const c of m.toolCalls ?? []) parts.push(c.name, c.arguments);
    for (const r of m.reasoning ?? []) parts.push(r.text);
  }
  for (const t of req.tools ?? []) parts.push(t.name, t.description ?? '', t.parameters ? JSON.stringify(t.parameters) : '');
  return { text: parts.join('\n'), messages: req.messages.length, images };
}

export async function estimatePromptTokens(req: ChatRequest): Promise<number> {
  const p = promptText(req);
  return (await countTokens(p.text)) + p.messages * PER_MESSAGE + PER_REPLY + p.images * PER_IMAGE;
}

export async function estimateEmbeddingTokens(req: EmbeddingsRequest): Promise<number> {
  const input = req.input;
  if (typeof input === 'string') return countTokens(input);
  let n = 0;
  const texts: string[] = [];
  for (const item of input) {
    if (typeof item === 'string') texts.push(item);
    else if (typeof item === 'number') n += 1;
    else n += item.length;
  }
  // One message to the counter for every text of the request.
  for (const c of texts.length > 0 ? await counts(texts) : []) n += c;
  return n;
}
