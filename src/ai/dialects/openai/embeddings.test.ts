import { describe, expect, it } from 'vitest';
import type { EmbeddingsRequest } from '../../../core/llm/embeddings.js';
import { fixtureBytes, fixtureJson } from '../../../core/llm/test-support/fixtures.js';
import { openai } from '../../providers/openai/index.js';
import { FIXED_CTX } from '../../providers/test-support/replay.js';
import { openaiDialect } from './index.js';

const codec = openai.embeddings!;
const target = { providerModel: 'text-embedding-3-small', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-test' };

function parse(body: unknown): EmbeddingsRequest {
  const r = openaiDialect.parseEmbeddingsRequest(body);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('openai dialect: embeddings', () => {
  for (const name of ['embeddings-basic', 'embeddings-base64']) {
    it(`${name}: the recorded request reaches OpenAI unchanged, and the recorded answer comes back unchanged`, () => {
      const body = fixtureJson<Record<string, unknown>>(`openai-embeddings/${name}.request.json`);
      const req = parse(body);
      const ex = { request: req, target, ctx: FIXED_CTX };
      expect(JSON.parse(codec.buildRequest(ex).body as string)).toEqual(body);
      const { response } = codec.parseResponse(ex, fixtureBytes(`openai-embeddings/${name}.response.json`), {});
      expect(JSON.parse(JSON.stringify(openaiDialect.encodeEmbeddingsResponse(response)))).toEqual(fixtureJson(`openai-embeddings/${name}.response.json`));
    });
  }

  it('error-400-embeddings: refused for dimensions, as OpenAI refused it', () => {
    const r = openaiDialect.parseEmbeddingsRequest(fixtureJson('openai-embeddings/error-400-embeddings.request.json'));
    expect(!r.ok && r.error).toMatchObject({ param: 'dimensions', code: 'integer_below_min_value' });
    expect(fixtureJson<{ error: { message: string } }>('openai-embeddings/error-400-embeddings.response.json').error.message).toContain("'dimensions'");
  });

  it('accepts strings, token arrays and input_type', () => {
    expect(parse({ model: 'e', input: ['a', 'b'], input_type: 'query' })).toEqual({ model: 'e', input: ['a', 'b'], inputType: 'query' });
    expect(parse({ model: 'e', input: [1, 2, 3] })).toEqual({ model: 'e', input: [1, 2, 3] });
    expect(parse({ model: 'e', input: [[1, 2], [3]] })).toEqual({ model: 'e', input: [[1, 2], [3]] });
  });

  const cases: [string, unknown, string][] = [
    ['no model', { input: 'x' }, 'model'],
    ['no input', { model: 'e' }, 'input'],
    ['empty input', { model: 'e', input: '' }, 'input'],
    ['empty list', { model: 'e', input: [] }, 'input'],
    ['mixed list', { model: 'e', input: ['a', 2] }, 'input[1]'],
    ['negative token', { model: 'e', input: [[1, -2]] }, 'input[0][1]'],
    ['bad encoding', { model: 'e', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    ['unknown field', { model: 'e', input: 'x', truncate: true }, 'truncate'],
  ];
  for (const [what, body, param] of cases) {
    it(`refuses ${what} naming ${param}`, () => {
      const r = openaiDialect.parseEmbeddingsRequest(body);
      expect(!r.ok && r.error.param).toBe(param);
    });
  }
});
