import { randomUUID } from 'node:crypto';
import type { ProviderError } from '../../../core/llm/errors.js';
import type { ChatChunk, FinishReason, ToolCallDelta, Usage } from '../../../core/llm/types.js';
import { openaiType } from '../../errors/dialects.js';
import type { AiReasonCode } from '../../reasons.js';
import type { StreamEncoder, StreamEncoderOptions } from '../contract.js';
import { packToolCallId } from '../shared/tool-id.js';
import { openaiLogprobs, openaiServiceTier, openaiUsage } from './response.js';

const STREAM_FAILED: AiReasonCode = 'ai.stream_failed';

function toolCallDelta(d: ToolCallDelta): Record<string, unknown> {
  if (d.id === undefined) return { index: d.index, function: { arguments: d.argumentsDelta ?? '' } };
  return { index: d.index, id: packToolCallId(d.id, d.signature), type: 'function', function: { name: d.name ?? '', arguments: d.argumentsDelta ?? '' } };
}

/**
 * Canonical chunks → `chat.completion.chunk` SSE frames, as OpenAI sends them: `role` (with
 * `content: ""`, or `null` when the first delta is a tool call) on the first chunk of each choice,
 * tool-call fragments by index, `finish_reason` on the last chunk of each choice, `usage: null` on
 * every chunk and a final `choices: []` usage chunk only when the client asked (`include_usage`),
 * then `data: [DONE]`. A failed stream ends with a `{"error":…}` frame, which the SDK raises.
 */
export class OpenAIStreamEncoder implements StreamEncoder {
  private id: string | undefined;
  private created: number | undefined;
  private model: string | undefined;
  private fingerprint: string | undefined;
  private tier: string | undefined;
  private readonly started = new Set<number>();
  private readonly finished = new Set<number>();
  /** `data: {"id":…,"service_tier":…,"system_fingerprint":…,` of the current model, tier and fingerprint (built once, not per chunk). */
  private prefix = '';
  private prefixKey: string | undefined;

  constructor(private readonly opts: StreamEncoderOptions = {}) {}

  private envelope(model: string): Record<string, unknown> {
    this.id ??= this.opts.id ?? `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    this.created ??= this.opts.created ?? Math.floor(Date.now() / 1000);
    const env: Record<string, unknown> = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.opts.model ?? model };
    // OpenAI's key order: service_tier (only when the provider said, and only OpenAI's tier names), then system_fingerprint.
    if (this.tier !== undefined) env['service_tier'] = this.tier;
    env['system_fingerprint'] = this.fingerprint ?? null;
    return env;
  }

  /** One chunk frame: the cached envelope text, then the choice (the hot path: one stringify per chunk). */
  private chunkFrame(model: string, choice: Record<string, unknown>): string {
    const key = `${model}\u0000${this.fingerprint ?? ''}\u0000${this.tier ?? ''}`;
    if (key !== this.prefixKey) {
      const env = JSON.stringify(this.envelope(model));
      this.prefix = `data: ${env.slice(0, -1)},"choices":[`;
      this.prefixKey = key;
    }
    return `${this.prefix}${JSON.stringify(choice)}]${this.opts.includeUsage ? ',"usage":null' : ''}}\n\n`;
  }

  encode(chunk: ChatChunk, _usage?: Usage): string {
    if (this.id === undefined) {
      this.id = this.opts.id ?? chunk.id;
      this.created = this.opts.created ?? chunk.created;
    }
    this.model = chunk.model;
    if (chunk.systemFingerprint !== undefined) this.fingerprint = chunk.systemFingerprint;
    if (chunk.serviceTier !== undefined) this.tier = openaiServiceTier(chunk.serviceTier) ?? this.tier;
    const i = chunk.choiceIndex;
    const d = chunk.delta;
    const first = !this.started.has(i);
    const delta: Record<string, unknown> = {};
    if (first) {
      this.started.add(i);
      delta['role'] = 'assistant';
      delta['content'] = d.content ?? (d.toolCalls?.length ? null : '');
    } else if (d.content !== undefined) delta['content'] = d.content;
    if (d.reasoning) delta['reasoning_content'] = d.reasoning;
    if (d.toolCalls && d.toolCalls.length > 0) delta['tool_calls'] = d.toolCalls.map(toolCallDelta);
    if (first) delta['refusal'] = d.refusal ?? null;
    else if (d.refusal !== undefined) delta['refusal'] = d.refusal;
    const finish = chunk.finishReason;
    // Anthropic signatures and redacted reasoning have no OpenAI form: such a chunk alone says nothing here.
    if (!first && Object.keys(delta).length === 0 && finish === undefined && !chunk.logprobs) return '';
    const choice: Record<string, unknown> = { index: i, delta };
    if (chunk.logprobs) choice['logprobs'] = openaiLogprobs(chunk.logprobs);
    choice['finish_reason'] = finish ?? null;
    if (finish !== undefined) this.finished.add(i);
    return this.chunkFrame(chunk.model, choice);
  }

  finish(usage?: Usage, finishReason?: FinishReason): string {
    let out = '';
    // Every choice a client saw starts also ends (the SDK's stream helpers require a finish_reason).
    for (const i of this.started) {
      if (this.finished.has(i)) continue;
      this.finished.add(i);
      out += this.chunkFrame(this.model ?? '', { index: i, delta: {}, finish_reason: finishReason ?? 'stop' });
    }
    if (this.opts.includeUsage && usage) out += `data: ${JSON.stringify({ ...this.envelope(this.model ?? ''), choices: [], usage: openaiUsage(usage) })}\n\n`;
    return `${out}data: [DONE]\n\n`;
  }

  error(e: ProviderError): string {
    const error: Record<string, unknown> = {
      message: `The provider stream failed after the response started: ${e.message}`,
      type: openaiType(e.status),
      param: null,
      code: STREAM_FAILED,
    };
    if (this.opts.requestId !== undefined) error['request_id'] = this.opts.requestId;
    return `data: ${JSON.stringify({ error })}\n\n`;
  }
}
