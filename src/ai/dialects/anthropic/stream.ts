import { randomUUID } from 'node:crypto';
import type { ProviderError } from '../../../core/llm/errors.js';
import type { ChatChunk, FinishReason, ToolCallDelta, Usage } from '../../../core/llm/types.js';
import { anthropicType } from '../../errors/dialects.js';
import type { AiReasonCode } from '../../reasons.js';
import type { StreamEncoder, StreamEncoderOptions } from '../contract.js';
import { packToolCallId } from '../shared/tool-id.js';
import { anthropicStop, anthropicUsage } from './response.js';

const STREAM_FAILED: AiReasonCode = 'ai.stream_failed';

type BlockKind = 'text' | 'thinking' | 'tool_use';

const event = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/**
 * Canonical chunks → Anthropic Messages SSE: `message_start` (with the usage known so far), one
 * content block at a time (`content_block_start` / `_delta` / `_stop`: text, thinking with its
 * signature, tool_use with `input_json_delta` fragments), then `message_delta` with the stop reason
 * and the final usage, and `message_stop`. Explicit state: the open block, each tool call's block
 * index, and whether the message started. A failed stream ends with `event: error`.
 */
export class AnthropicStreamEncoder implements StreamEncoder {
  private startedMessage = false;
  private open: { kind: BlockKind; index: number } | undefined;
  private nextIndex = 0;
  /** Canonical tool index → its content block index and how many argument characters it got. */
  private readonly tools = new Map<number, { block: number; chars: number }>();
  private stopSequence: string | undefined;
  private finishReason: FinishReason | undefined;

  constructor(private readonly opts: StreamEncoderOptions = {}) {}

  private start(chunk: ChatChunk | undefined, usage: Usage | undefined): string {
    if (this.startedMessage) return '';
    this.startedMessage = true;
    const message = {
      id: this.opts.id ?? chunk?.id ?? `msg_${randomUUID().replaceAll('-', '')}`,
      type: 'message',
      role: 'assistant',
      model: this.opts.model ?? chunk?.model ?? '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage ? anthropicUsage(usage) : { input_tokens: 0, output_tokens: 0 },
    };
    return event('message_start', { message });
  }

  private close(): string {
    if (!this.open) return '';
    const i = this.open.index;
    this.open = undefined;
    return event('content_block_stop', { index: i });
  }

  /** The open block of `kind`, opening one (and closing the previous) when needed. */
  private block(kind: 'text' | 'thinking'): { out: string; index: number } {
    if (this.open?.kind === kind) return { out: '', index: this.open.index };
    let out = this.close();
    const index = this.nextIndex++;
    this.open = { kind, index };
    out += event('content_block_start', { index, content_block: kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' } });
    return { out, index };
  }

  private toolCall(d: ToolCallDelta): string {
    let out = '';
    let t = this.tools.get(d.index);
    if (d.id !== undefined && !t) {
      out += this.close();
      const index = this.nextIndex++;
      t = { block: index, chars: 0 };
      this.tools.set(d.index, t);
      this.open = { kind: 'tool_use', index };
      out += event('content_block_start', { index, content_block: { type: 'tool_use', id: packToolCallId(d.id, d.signature), name: d.name ?? '', input: {} } });
    }
    const args = d.argumentsDelta;
    if (!t || !args) return out;
    // `{}` for a call that got no arguments is what content_block_start already said (`input: {}`).
    if (t.chars === 0 && args === '{}') return out;
    t.chars += args.length;
    // A fragment of a call whose block was closed (interleaved calls) still names its own block index.
    return out + event('content_block_delta', { index: t.block, delta: { type: 'input_json_delta', partial_json: args } });
  }

  encode(chunk: ChatChunk, usage?: Usage): string {
    // Anthropic has one choice; other choices (n > 1 cannot be asked in this API) are not shown.
    if (chunk.choiceIndex !== 0) return '';
    let out = this.start(chunk, usage);
    const d = chunk.delta;
    if (d.reasoning) {
      const b = this.block('thinking');
      out += b.out + event('content_block_delta', { index: b.index, delta: { type: 'thinking_delta', thinking: d.reasoning } });
    }
    if (d.reasoningSignature !== undefined) {
      const b = this.block('thinking');
      out += b.out + event('content_block_delta', { index: b.index, delta: { type: 'signature_delta', signature: d.reasoningSignature } }) + this.close();
    }
    if (d.redactedReasoning !== undefined) {
      out += this.close();
      const index = this.nextIndex++;
      out += event('content_block_start', { index, content_block: { type: 'redacted_thinking', data: d.redactedReasoning } }) + event('content_block_stop', { index });
    }
    const text = (d.content ?? '') + (d.refusal ?? '');
    if (text) {
      const b = this.block('text');
      out += b.out + event('content_block_delta', { index: b.index, delta: { type: 'text_delta', text } });
    }
    for (const tc of d.toolCalls ?? []) out += this.toolCall(tc);
    if (chunk.finishReason !== undefined) this.finishReason = chunk.finishReason;
    if (chunk.stopSequence !== undefined) this.stopSequence = chunk.stopSequence;
    return out;
  }

  finish(usage?: Usage, finishReason?: FinishReason): string {
    let out = this.start(undefined, usage) + this.close();
    const stop = anthropicStop(finishReason ?? this.finishReason, this.stopSequence);
    out += event('message_delta', { delta: { stop_reason: stop, stop_sequence: this.stopSequence ?? null }, usage: usage ? anthropicUsage(usage) : { output_tokens: 0 } });
    return out + event('message_stop', {});
  }

  error(e: ProviderError): string {
    const body: Record<string, unknown> = {
      error: { type: anthropicType(e.status), message: `The provider stream failed after the response started: ${e.message}`, details: { error_code: STREAM_FAILED } },
    };
    if (this.opts.requestId !== undefined) body['request_id'] = this.opts.requestId;
    return event('error', body);
  }
}
