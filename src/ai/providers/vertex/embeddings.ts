import type { EmbeddingsResponse } from '../../../core/llm/embeddings.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import { vectorAs } from '../../../core/llm/vectors.js';
import type { EmbeddingsExchange, ParsedEmbeddings } from '../contract.js';
import { embeddingTexts, TASK_TYPE } from '../gemini/embeddings.js';
import { badResponse } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';
import { arr, obj, parseObject } from '../shared/json.js';

/** Vertex AI text embeddings (`:predict`): one instance per text, `task_type` and `outputDimensionality`. */
export function toVertexPredictBody(ex: EmbeddingsExchange): Record<string, unknown> {
  const r = ex.request;
  const body: Record<string, unknown> = {
    instances: embeddingTexts(r).map((content) => ({ content, ...(r.inputType ? { task_type: TASK_TYPE[r.inputType] } : {}) })),
  };
  if (r.dimensions !== undefined) body.parameters = { outputDimensionality: r.dimensions };
  return applyExtra(body, r.extra);
}

/** `{predictions:[{embeddings:{values, statistics:{token_count}}}]}`; usage is the sum of the token counts. */
export function parseVertexPredict(ex: EmbeddingsExchange, body: Uint8Array): ParsedEmbeddings {
  const j = parseObject(body, 'Vertex AI predict response');
  const predictions = arr(j.predictions);
  if (predictions.length === 0) badResponse('Vertex AI predict response has no predictions');
  let tokens = 0;
  const data = predictions.map((p, index) => {
    const e = obj(obj(p).embeddings);
    if (!Array.isArray(e.values)) badResponse(`prediction ${index} has no embedding values`);
    tokens += count(obj(e.statistics).token_count) ?? 0;
    return { index, embedding: vectorAs(e.values as number[], ex.request.encodingFormat) };
  });
  const usage = makeUsage({ input: tokens, output: 0 });
  const response: EmbeddingsResponse = { model: ex.target.providerModel, data, usage };
  return { response, usage };
}
