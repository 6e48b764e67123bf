import type { Embedding, EmbeddingsRequest } from '../../../core/llm/embeddings.js';
import { count, makeUsage } from '../../../core/llm/usage.js';
import { vectorAs } from '../../../core/llm/vectors.js';
import type { EmbeddingsCodec, EmbeddingsExchange, ParsedEmbeddings, ResponseHeaders } from '../contract.js';
import { badResponse, unsupported } from '../shared/failure.js';
import { applyExtra, header } from '../shared/headers.js';
import { arr, isObj, obj, parseObject } from '../shared/json.js';
import { bedrockCall, modelPath } from './call.js';
import { modelVendor } from './request.js';

// Embeddings through InvokeModel, whose body is the model's own: Amazon Titan Text Embeddings
// (G1, V2, multimodal G1 with text) and Cohere Embed (v3, v4) on Bedrock, per the Bedrock model
// parameter pages. Other embedding models are refused by name.

type Family = 'titan' | 'titan-image' | 'cohere';

function family(modelId: string): Family {
  const vendor = modelVendor(modelId);
  if (vendor === 'amazon' && modelId.includes('titan-embed-image')) return 'titan-image';
  if (vendor === 'amazon' && modelId.includes('titan-embed')) return 'titan';
  if (vendor === 'cohere' && modelId.includes('embed')) return 'cohere';
  return unsupported('model', `Sluice embeds on Bedrock with Amazon Titan and Cohere Embed models, not ${modelId}`);
}

function texts(r: EmbeddingsRequest): string[] {
  const input = typeof r.input === 'string' ? [r.input] : (r.input as readonly unknown[]);
  if (!input.every((x): x is string => typeof x === 'string')) unsupported('input', 'Bedrock embeddings take text, not token arrays');
  return [...input];
}

const COHERE_INPUT_TYPE = { query: 'search_query', document: 'search_document', classification: 'classification', clustering: 'clustering' } as const;

function body(ex: EmbeddingsExchange, f: Family): Record<string, unknown> {
  const r = ex.request;
  const input = texts(r);
  if (f === 'cohere') {
    const b: Record<string, unknown> = { texts: input, input_type: COHERE_INPUT_TYPE[r.inputType ?? 'document'], embedding_types: ['float'] };
    if (r.dimensions !== undefined) b.output_dimension = r.dimensions;
    return applyExtra(b, r.extra);
  }
  if (input.length !== 1) unsupported('input', 'Amazon Titan embeddings take one text per request');
  const b: Record<string, unknown> = { inputText: input[0] };
  if (r.dimensions !== undefined) {
    if (f === 'titan-image') b.embeddingConfig = { outputEmbeddingLength: r.dimensions };
    else b.dimensions = r.dimensions;
  }
  return applyExtra(b, r.extra);
}

function floats(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) badResponse(`${what} is not a list of numbers`);
  return v;
}

function parse(ex: EmbeddingsExchange, raw: Uint8Array, headers: ResponseHeaders): ParsedEmbeddings {
  const f = family(ex.target.providerModel);
  const j = parseObject(raw, 'Bedrock embeddings response');
  const fmt = ex.request.encodingFormat;
  let vectors: number[][];
  let tokens: number | undefined;
  if (f === 'cohere') {
    // `embeddings` is a list of vectors, or by type ({"float": [...]}) when embedding_types is sent.
    const e = isObj(j.embeddings) ? j.embeddings.float : j.embeddings;
    if (!Array.isArray(e)) badResponse('Bedrock Cohere embeddings response has no float embeddings');
    vectors = arr(e).map((v, i) => floats(v, `embedding ${i}`));
  } else {
    vectors = [floats(j.embedding ?? obj(j.embeddingsByType).float, 'Titan embedding')];
    tokens = count(j.inputTextTokenCount);
  }
  // InvokeModel reports the input token count in a header for every model.
  tokens ??= count(Number(header(headers, 'x-amzn-bedrock-input-token-count') ?? Number.NaN));
  const data = vectors.map((v, index): Embedding => ({ index, embedding: vectorAs(v, fmt) }));
  const usage = makeUsage({ input: tokens ?? 0, output: 0 });
  return { response: { model: ex.target.providerModel, data, usage }, usage };
}

export const bedrockEmbeddings: EmbeddingsCodec = {
  buildRequest: (ex) => bedrockCall(ex.target, ex.ctx, modelPath(ex.target.providerModel, 'invoke'), JSON.stringify(body(ex, family(ex.target.providerModel))), 'json'),
  parseResponse: parse,
};
