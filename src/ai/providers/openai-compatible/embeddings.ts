import type { Embedding, EmbeddingsResponse } from '../../../core/llm/embeddings.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import { vectorAs } from '../../../core/llm/vectors.js';
import type { OpenAIEmbeddingsRequest } from '../../../core/llm/wire/openai-chat.js';
import type { EmbeddingsExchange, ParsedEmbeddings } from '../contract.js';
import { badResponse } from '../shared/failure.js';
import { applyExtra } from '../shared/headers.js';
import { arr, num, obj, parseObject, str } from '../shared/json.js';

export function toOpenAIEmbeddingsBody(ex: EmbeddingsExchange): OpenAIEmbeddingsRequest {
  const r = ex.request;
  const body: OpenAIEmbeddingsRequest = {
    model: ex.target.providerModel,
    input: (Array.isArray(r.input) ? [...(r.input as unknown[])] : r.input) as OpenAIEmbeddingsRequest['input'],
  };
  if (r.encodingFormat) body.encoding_format = r.encodingFormat;
  if (r.dimensions !== undefined) body.dimensions = r.dimensions;
  if (r.user !== undefined) body.user = r.user;
  return applyExtra(body, r.extra);
}

export function parseOpenAIEmbeddings(ex: EmbeddingsExchange, body: Uint8Array): ParsedEmbeddings {
  const j = parseObject(body, 'embeddings response');
  if (!Array.isArray(j.data)) badResponse('embeddings response has no data');
  const data = arr(j.data).map((d, i): Embedding => {
    const e = obj(d);
    const v = e.embedding;
    if (typeof v !== 'string' && !Array.isArray(v)) badResponse(`embedding ${i} is neither a float list nor base64`);
    // Some servers ignore encoding_format: give the client what it asked for.
    return { index: num(e.index) ?? i, embedding: vectorAs(v as readonly number[] | string, ex.request.encodingFormat) };
  });
  const u = obj(j.usage);
  const input = count(u.prompt_tokens) ?? count(u.total_tokens) ?? 0;
  const usage = makeUsage({ input, output: 0 });
  const response: EmbeddingsResponse = { model: str(j.model) ?? ex.target.providerModel, data, usage };
  return { response, usage };
}
