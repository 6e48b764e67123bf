import type { EmbeddingsRequest, EmbeddingsResponse } from '../../../core/llm/embeddings.js';
import { item, optNumber, optOneOf, optString, refuse, requireNumber, requireString, wrongType } from '../shared/fields.js';
import type { Json } from '../shared/reject.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const MODELLED = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user', 'input_type']);
const MAX_INPUTS = 2048;

/** `input`: a string, strings, a token array or token arrays; never empty (OpenAI refuses those too). */
function input(v: unknown): EmbeddingsRequest['input'] {
  if (typeof v === 'string') {
    if (v.length === 0) refuse('input', "Invalid 'input': empty string. Expected a non-empty string.", 'empty_string');
    return v;
  }
  if (v === undefined || v === null) return requireString(v, 'input');
  if (!Array.isArray(v)) return wrongType('input', 'a string or an array', v);
  const list = v as unknown[];
  if (list.length === 0) refuse('input', "Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'empty_array');
  if (list.length > MAX_INPUTS) refuse('input', `Invalid 'input': array too long. Expected an array with maximum length ${MAX_INPUTS}, but got an array with length ${list.length} instead.`, 'array_above_max_length');
  const head = list[0];
  if (typeof head === 'string') return list.map((s, i) => requireString(s, item('input', i), { nonEmpty: true }));
  if (typeof head === 'number') return list.map((t, i) => requireNumber(t, item('input', i), { integer: true, min: 0 }));
  if (Array.isArray(head)) {
    return list.map((row, i) => {
      if (!Array.isArray(row) || row.length === 0) return wrongType(item('input', i), 'a non-empty array of token ids', row);
      return (row as unknown[]).map((t, k) => requireNumber(t, `${item('input', i)}[${k}]`, { integer: true, min: 0 }));
    });
  }
  return wrongType(item('input', 0), 'a string, a token id or an array of token ids', head);
}

/**
 * An OpenAI `/v1/embeddings` body → canonical. Unknown fields are refused rather than forwarded:
 * embeddings have no same-wire passthrough, and a field one provider understands breaks another.
 * `input_type` (query/document…) is accepted as the extension several gateways use for Cohere and Gemini.
 */
export function parseOpenAIEmbeddingsRequest(j: Json): EmbeddingsRequest {
  const model = requireString(j.model, 'model', { nonEmpty: true });
  const dimensions = optNumber(j.dimensions, 'dimensions', { integer: true, min: 1 });
  const encodingFormat = optOneOf(j.encoding_format, 'encoding_format', ['float', 'base64'] as const);
  const user = optString(j.user, 'user');
  const inputType = optOneOf(j.input_type, 'input_type', ['query', 'document', 'classification', 'clustering'] as const);
  for (const k of Object.keys(j)) {
    if (!MODELLED.has(k) && j[k] !== undefined) refuse(k, `Unrecognized request argument supplied: ${k}`, 'unknown_parameter');
  }
  const r: Mutable<EmbeddingsRequest> = { model, input: input(j.input) };
  if (encodingFormat !== undefined) r.encodingFormat = encodingFormat;
  if (dimensions !== undefined) r.dimensions = dimensions;
  if (user !== undefined) r.user = user;
  if (inputType !== undefined) r.inputType = inputType;
  return r;
}

/** Canonical embeddings → OpenAI's `list` object (vectors as the adapter produced them: floats or base64). */
export function encodeOpenAIEmbeddingsResponse(res: EmbeddingsResponse, model?: string): Record<string, unknown> {
  return {
    object: 'list',
    data: res.data.map((e) => ({ object: 'embedding', index: e.index, embedding: e.embedding })),
    model: model ?? res.model,
    usage: { prompt_tokens: res.usage.inputTokens, total_tokens: res.usage.totalTokens },
  };
}
