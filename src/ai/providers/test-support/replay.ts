import type { ProviderError } from '../../../core/llm/errors.js';
import type { StreamTranslator } from '../../../core/llm/stream.js';
import type { ChatChunk, FinishReason, Usage } from '../../../core/llm/types.js';
import { splits } from '../../../core/llm/test-support/fixtures.js';
import type { CallContext, ChatExchange, Target } from '../contract.js';

export interface Replayed {
  readonly chunks: ChatChunk[];
  /** The last usage snapshot seen. */
  readonly usage: Usage | undefined;
  /** How many steps carried usage. */
  readonly usageSteps: number;
  readonly error: ProviderError | undefined;
  readonly done: boolean;
}

/** Feed `parts` then end the body, collecting everything the translator returned. */
export function replay(t: StreamTranslator, parts: readonly Uint8Array[]): Replayed {
  const chunks: ChatChunk[] = [];
  let usage: Usage | undefined;
  let usageSteps = 0;
  let error: ProviderError | undefined;
  let done = false;
  for (const step of [...parts.map((p) => t.push(p)), t.end()]) {
    chunks.push(...step.chunks);
    if (step.usage) {
      usage = step.usage;
      usageSteps++;
    }
    if (step.error) error = step.error;
    if (step.done) done = true;
  }
  return { chunks, usage, usageSteps, error, done };
}

/** Replays every way of splitting `bytes` and checks each gives exactly the whole-body result. */
export function replayAllSplits(make: () => StreamTranslator, bytes: Uint8Array): Replayed {
  const reference = replay(make(), [bytes]);
  // How many steps carried usage depends on the cuts; what was translated must not.
  const key = JSON.stringify({ ...reference, usageSteps: 0 });
  for (const { name, parts } of splits(bytes)) {
    const got = JSON.stringify({ ...replay(make(), parts), usageSteps: 0 });
    if (got !== key) throw new Error(`split "${name}" gave a different result:\n${got}\nexpected:\n${key}`);
  }
  return reference;
}

export interface AssembledCall {
  id: string;
  name: string;
  arguments: string;
}

export interface AssembledChoice {
  role: string | undefined;
  content: string;
  reasoning: string;
  toolCalls: AssembledCall[];
  finishReason: FinishReason | undefined;
  chunkCount: number;
}

/** What a client accumulating the chunks would end up with, per choice (like the OpenAI SDK's stream helper). */
export function assemble(chunks: readonly ChatChunk[]): AssembledChoice[] {
  const out: AssembledChoice[] = [];
  for (const c of chunks) {
    const a = (out[c.choiceIndex] ??= { role: undefined, content: '', reasoning: '', toolCalls: [], finishReason: undefined, chunkCount: 0 });
    if (a.chunkCount === 0) a.role = c.delta.role;
    else if (c.delta.role !== undefined) throw new Error('role repeated after the first chunk');
    a.chunkCount++;
    a.content += c.delta.content ?? '';
    a.reasoning += c.delta.reasoning ?? '';
    for (const tc of c.delta.toolCalls ?? []) {
      if (tc.id !== undefined) {
        if (tc.index !== a.toolCalls.length) throw new Error(`tool call index ${tc.index} started out of order`);
        a.toolCalls.push({ id: tc.id, name: tc.name ?? '', arguments: '' });
      }
      const call = a.toolCalls[tc.index];
      if (!call) throw new Error(`fragment for tool call ${tc.index} before its start`);
      call.arguments += tc.argumentsDelta ?? '';
    }
    if (c.finishReason !== undefined) a.finishReason = c.finishReason;
  }
  return out;
}

let seq = 0;
/** Deterministic clock and ids for golden output. */
export const FIXED_CTX: CallContext = { now: () => 1_700_000_000_000, newId: () => `gen${String(++seq).padStart(4, '0')}` };

export function resetIds(): void {
  seq = 0;
}

export function exchange(request: ChatExchange['request'], target: Partial<Target> = {}): ChatExchange {
  return {
    request,
    target: { providerModel: 'test-model', baseUrl: 'https://upstream.test/v1', apiKey: 'sk-test', ...target },
    ctx: FIXED_CTX,
  };
}

export const enc = new TextEncoder();
