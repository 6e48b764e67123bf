import type { ChatRequest } from '../../core/llm/types.js';
import type { EmbeddingsRequest } from '../../core/llm/embeddings.js';

/**
 * Offline token counts (gpt-tokenizer, o200k_base) for when a provider reports no usage: a stream cut
 * short by the client or the upstream, or a provider without stream usage. Estimates, marked as such.
 * The tokenizer (a few MB of ranks) is loaded on first need only, never on the hot path.
 */
type Counter = (text: string) => number;
let counter: Promise<Counter> | undefined;

function loadCounter(): Promise<Counter> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => (text: string) => m.countTokens(text));
  return counter;
}

/** Per-message framing overhead of chat formats (OpenAI's published counting recipe). */
const PER_MESSAGE = 3;
const PER_REPLY = 3;
/** A rough flat cost of one image part (OpenAI: 85 base tokens at low detail). */
const PER_IMAGE = 85;

export async function countTokens(text: string): Promise<number> {
  if (text.length === 0) return 0;
  return (await loadCounter())(text);
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
  for (const item of input) {
    if (typeof item === 'string') n += await countTokens(item);
    else if (typeof item === 'number') n += 1;
    else n += item.length;
  }
  return n;
}
