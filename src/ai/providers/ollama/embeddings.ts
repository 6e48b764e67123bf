import type { EmbeddingsResponse } from '../../../core/llm/embeddings.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import { vectorAs } from '../../../core/llm/vectors.js';
import type { EmbeddingsExchange, ParsedEmbeddings } from '../contract.js';
import { badResponse, unsupported } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';
import { arr, parseObject, str } from '../shared/json.js';

/** `/api/embed`: `{model, input, dimensions?}` (text or texts). */
export function toOllamaEmbedBody(ex: EmbeddingsExchange): Record<string, unknown> {
  const r = ex.request;
  const input = r.input;
  if (typeof input !== 'string' && !input.every((x) => typeof x === 'string')) unsupported('input', 'Ollama embeddings take text, not token arrays');
  const body: Record<string, unknown> = { model: ex.target.providerModel, input: typeof input === 'string' ? input : [...input] };
  if (r.dimensions !== undefined) body.dimensions = r.dimensions;
  return applyExtra(body, r.extra);
}

/** `{model, embeddings: [[…]], prompt_eval_count}`. */
export function parseOllamaEmbeddings(ex: EmbeddingsExchange, body: Uint8Array): ParsedEmbeddings {
  const j = parseObject(body, 'Ollama embed response');
  const list = arr(j.embeddings);
  if (list.length === 0) badResponse('Ollama embed response has no embeddings');
  const data = list.map((v, index) => {
    if (!Array.isArray(v)) badResponse(`embedding ${index} is not a list of numbers`);
    return { index, embedding: vectorAs(v as number[], ex.request.encodingFormat) };
  });
  const usage = makeUsage({ input: count(j.prompt_eval_count) ?? 0, output: 0 });
  const response: EmbeddingsResponse = { model: str(j.model) || ex.target.providerModel, data, usage };
  return { response, usage };
}
