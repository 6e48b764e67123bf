import type { EmbeddingsRequest, EmbeddingsResponse } from '../../../core/llm/embeddings.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import { vectorAs } from '../../../core/llm/vectors.js';
import type { EmbeddingsExchange, ParsedEmbeddings } from '../contract.js';
import { badResponse, unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';
import { arr, obj, parseObject } from '../shared/json.js';

/** Canonical `input_type` → Gemini `taskType`. */
export const TASK_TYPE = {
  query: 'RETRIEVAL_QUERY',
  document: 'RETRIEVAL_DOCUMENT',
  classification: 'CLASSIFICATION',
  clustering: 'CLUSTERING',
} as const;

/** The texts of an embeddings request; token arrays are OpenAI-only. */
export function embeddingTexts(r: EmbeddingsRequest): string[] {
  const input = r.input;
  if (typeof input === 'string') return [input];
  if (input.every((x): x is string => typeof x === 'string')) return [...input];
  return unsupported('input', 'Google embeddings take text, not token arrays');
}

/** `embedContent` for one text, `batchEmbedContents` for several: which method and body. */
export function toGeminiEmbedBody(ex: EmbeddingsExchange, modelName: string): { method: 'embedContent' | 'batchEmbedContents'; body: Record<string, unknown> } {
  const r = ex.request;
  const texts = embeddingTexts(r);
  const one = (text: string): Record<string, unknown> => ({
    content: { parts: [{ text }] },
    ...(r.inputType ? { taskType: TASK_TYPE[r.inputType] } : {}),
    ...(r.dimensions !== undefined ? { outputDimensionality: r.dimensions } : {}),
  });
  if (texts.length === 1 && typeof r.input === 'string') return { method: 'embedContent', body: applyExtra(one(texts[0]!), r.extra) };
  return { method: 'batchEmbedContents', body: applyExtra({ requests: texts.map((t) => ({ model: modelName, ...one(t) })) }, r.extra) };
}

/**
 * `{embedding:{values}}` or `{embeddings:[{values}]}`. Gemini reports no token counts for
 * embeddings (usage is 0 unless a `usageMetadata` is present).
 */
export function parseGeminiEmbeddings(ex: EmbeddingsExchange, body: Uint8Array): ParsedEmbeddings {
  const j = parseObject(body, 'Gemini embeddings response');
  const list = j.embedding !== undefined ? [j.embedding] : arr(j.embeddings);
  if (list.length === 0) badResponse('Gemini embeddings response has no embeddings');
  const data = list.map((e, index) => {
    const values = obj(e).values;
    if (!Array.isArray(values)) badResponse(`embedding ${index} has no values`);
    return { index, embedding: vectorAs(values as number[], ex.request.encodingFormat) };
  });
  const usage = makeUsage({ input: count(obj(j.usageMetadata).promptTokenCount) ?? 0, output: 0 });
  const response: EmbeddingsResponse = { model: ex.target.providerModel, data, usage };
  return { response, usage };
}
