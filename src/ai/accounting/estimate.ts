import type { ChatRequest } from '../../core/llm/types.js';
import type { EmbeddingsRequest } from '../../core/llm/embeddings.js';

/**
 * Offline token counts (gpt-tokenizer, o200k_base) for when a provider reports no usage: a stream cut
 * short by the client or the upstream, or a provider without stream usage. Estimates, marked as such.
 * The tokenizer (a few MB of ranks; evaluating them blocks the event loop once, for a few hundred
 * ms) is loaded ahead of need by `warmTokenizer` once an ai service exists, or on first need.
 * There is one load per process: a count asked for while it runs waits for that same load.
 */
type Counter = (text: string) => number;
let counter: Promise<Counter> | undefined;
let loads = 0;
let ready = false;

function loadCounter(): Promise<Counter> {
  counter ??= (loads++, import('gpt-tokenizer/encoding/o200k_base')).then(
    (m) => {
      const count: Counter = (text) => m.countTokens(text);
      count('warm up'); // the first count fills the encoder's lazily built tables
      ready = true;
      return count;
    },
    (err: unknown) => {
      counter = undefined; // a later need tries again
      throw err;
    },
  );
  return counter;
}

/** Loads the tokenizer now, so that no request pays for it (the AI runtime calls it once an ai service exists). */
export function warmTokenizer(): Promise<void> {
  return loadCounter().then(() => undefined);
}

/** Whether the tokenizer is loaded, and how many loads were started (for tests and status). */
export function tokenizerState(): { readonly ready: boolean; readonly loads: number } {
  return { ready, loads };
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
