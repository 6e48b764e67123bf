import type { Embedding } from '../../../core/llm/embeddings.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import { vectorAs } from '../../../core/llm/vectors.js';
import type { EmbeddingsExchange, ParsedEmbeddings } from '../contract.js';
import { badResponse, unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';
import { arr, isObj, obj, parseObject, str } from '../shared/json.js';

const INPUT_TYPE = { query: 'search_query', document: 'search_document', classification: 'classification', clustering: 'clustering' } as const;

/**
 * Canonical embeddings → Cohere `/v2/embed`. v3+ models require `input_type`: without one from the
 * client, texts are embedded as documents (`search_document`), Cohere's storage-side default.
 */
export function toCohereEmbedBody(ex: EmbeddingsExchange): Record<string, unknown> {
  const r = ex.request;
  const input = typeof r.input === 'string' ? [r.input] : (r.input as readonly unknown[]);
  if (!input.every((x): x is string => typeof x === 'string')) unsupported('input', 'Cohere embeds text, not token arrays');
  const body: Record<string, unknown> = {
    model: ex.target.providerModel,
    texts: [...input],
    input_type: INPUT_TYPE[r.inputType ?? 'document'],
    embedding_types: ['float'],
  };
  if (r.dimensions !== undefined) body.output_dimension = r.dimensions;
  return applyExtra(body, r.extra);
}

/** `embeddings.float` (embeddings_by_type) or a bare list (embeddings_floats); usage from `meta.billed_units`. */
export function parseCohereEmbed(ex: EmbeddingsExchange, raw: Uint8Array): ParsedEmbeddings {
  const j = parseObject(raw, 'Cohere embed response');
  const list = isObj(j.embeddings) ? j.embeddings.float : j.embeddings;
  if (!Array.isArray(list)) badResponse('Cohere embed response has no float embeddings');
  const data = arr(list).map((v, index): Embedding => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) badResponse(`Cohere embedding ${index} is not a list of numbers`);
    return { index, embedding: vectorAs(v, ex.request.encodingFormat) };
  });
  const usage = makeUsage({ input: count(obj(obj(j.meta).billed_units).input_tokens) ?? 0, output: 0 });
  return { response: { model: str(j.model) ?? ex.target.providerModel, data, usage }, usage };
}
