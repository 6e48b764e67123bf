/**
 * Independent readings of recorded OpenAI-style streams, computed straight from the fixture text
 * (no shared code with the translators), to check what the translators produce.
 */
export interface OpenAIStreamFacts {
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: string | undefined;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | undefined;
}

interface RawChunk {
  choices?: { delta?: { content?: string | null; tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] }; finish_reason?: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

export function openAIStreamFacts(payloads: readonly string[]): OpenAIStreamFacts {
  const facts: OpenAIStreamFacts = { content: '', toolCalls: [], finishReason: undefined, usage: undefined };
  for (const p of payloads) {
    if (p === '[DONE]') continue;
    const j = JSON.parse(p) as RawChunk;
    if (j.usage) facts.usage = j.usage;
    for (const c of j.choices ?? []) {
      facts.content += c.delta?.content ?? '';
      for (const tc of c.delta?.tool_calls ?? []) {
        if (tc.id) facts.toolCalls[tc.index] = { id: tc.id, name: tc.function?.name ?? '', arguments: '' };
        facts.toolCalls[tc.index]!.arguments += tc.function?.arguments ?? '';
      }
      if (c.finish_reason) facts.finishReason = c.finish_reason;
    }
  }
  return facts;
}

/** `data:` payloads of an SSE text whose events are separated by blank lines. */
export function ssePayloads(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n'))
    .filter((d) => d.length > 0);
}

export interface AnthropicStreamFacts {
  text: string;
  thinking: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  stopReason: string | undefined;
  usage: Record<string, number>;
  error: string | undefined;
}

interface RawAnthropicEvent {
  type: string;
  index?: number;
  message?: { usage?: Record<string, unknown> };
  content_block?: { type: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; stop_reason?: string };
  usage?: Record<string, unknown>;
  error?: { type: string };
}

/** Text, tool calls (in block order), stop reason and the last reported counters of an Anthropic stream. */
export function anthropicStreamFacts(payloads: readonly string[]): AnthropicStreamFacts {
  const f: AnthropicStreamFacts = { text: '', thinking: '', toolCalls: [], stopReason: undefined, usage: {}, error: undefined };
  const byBlock = new Map<number, { id: string; name: string; arguments: string }>();
  const take = (u: Record<string, unknown> | undefined) => {
    for (const [k, v] of Object.entries(u ?? {})) if (typeof v === 'number' && (f.usage[k] === undefined || v >= f.usage[k])) f.usage[k] = v;
  };
  for (const p of payloads) {
    const e = JSON.parse(p) as RawAnthropicEvent;
    if (e.type === 'message_start') take(e.message?.usage);
    if (e.type === 'content_block_start' && e.content_block?.type === 'tool_use') {
      const call = { id: e.content_block.id!, name: e.content_block.name!, arguments: '' };
      byBlock.set(e.index!, call);
      f.toolCalls.push(call);
    }
    if (e.type === 'content_block_delta') {
      if (e.delta?.type === 'text_delta') f.text += e.delta.text ?? '';
      if (e.delta?.type === 'thinking_delta') f.thinking += e.delta.thinking ?? '';
      if (e.delta?.type === 'input_json_delta') byBlock.get(e.index!)!.arguments += e.delta.partial_json ?? '';
    }
    if (e.type === 'message_delta') {
      f.stopReason = e.delta?.stop_reason;
      take(e.usage);
    }
    if (e.type === 'error') f.error = e.error?.type;
  }
  return f;
}
