import { describe, expect, it } from 'vitest';
import { fixtureBytes, splits } from '../test-support/fixtures.js';
import { FramingError } from './framing-error.js';
import { NdjsonDecoder } from './ndjson.js';

function decodeAll(parts: readonly Uint8Array[], d = new NdjsonDecoder()): string[] {
  const out: string[] = [];
  for (const p of parts) out.push(...d.push(p));
  out.push(...d.end());
  return out;
}

describe('NdjsonDecoder', () => {
  for (const file of ['ollama/api-generate-stream.response.ndjson', 'ollama/api-generate-stream-midstream-error.response.ndjson']) {
    it(`${file}: one JSON value per line, for every way of splitting the bytes`, () => {
      const bytes = fixtureBytes(file);
      const expected = new TextDecoder()
        .decode(bytes)
        .split('\n')
        .filter((l) => l.trim() !== '');
      const reference = decodeAll([bytes]);
      expect(reference).toEqual(expected);
      for (const l of reference) expect(() => JSON.parse(l) as unknown).not.toThrow();
      for (const { name, parts } of splits(bytes)) expect(decodeAll(parts), name).toEqual(reference);
    });
  }

  it('tolerates CRLF, blank lines and a last line without newline', () => {
    const bytes = new TextEncoder().encode('{"a":"é"}\r\n\r\n{"b":2}');
    for (const { name, parts } of splits(bytes)) expect(decodeAll(parts), name).toEqual(['{"a":"é"}', '{"b":2}']);
  });

  it('bounds a line', () => {
    expect(() => new NdjsonDecoder(10).push(new TextEncoder().encode('{"aaaaaaaaaaaaaa'))).toThrow(FramingError);
  });
});
