import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureFiles, splits } from '../test-support/fixtures.js';
import { FramingError } from './framing-error.js';
import { JsonArrayStreamDecoder } from './json-array.js';

function decodeAll(parts: readonly Uint8Array[]): string[] {
  const d = new JsonArrayStreamDecoder();
  const out: string[] = [];
  for (const p of parts) out.push(...d.push(p));
  out.push(...d.end());
  return out;
}

const enc = new TextEncoder();

describe('JsonArrayStreamDecoder', () => {
  for (const file of fixtureFiles('gemini', '.response.json').filter((f) => f.includes('stream-json-array'))) {
    it(`${file}: yields each element of the array, for every way of splitting the bytes`, () => {
      const bytes = fixtureBytes(file);
      const whole = JSON.parse(new TextDecoder().decode(bytes)) as unknown[];
      const reference = decodeAll([bytes]);
      expect(reference.map((e) => JSON.parse(e) as unknown)).toEqual(whole);
      for (const { name, parts } of splits(bytes)) expect(decodeAll(parts), name).toEqual(reference);
    });
  }

  it('ignores brackets and braces inside strings, with escaped quotes and backslashes', () => {
    const text = '[{"a":"}]\\"{[\\\\"},\r\n{"b":[1,{"c":"]"}]}\n]';
    const expected = ['{"a":"}]\\"{[\\\\"}', '{"b":[1,{"c":"]"}]}'];
    for (const { name, parts } of splits(enc.encode(text))) expect(decodeAll(parts), name).toEqual(expected);
  });

  it('accepts a bare object (an error body) as one element', () => {
    expect(decodeAll([enc.encode(' {"error":{"code":500}}\n')])).toEqual(['{"error":{"code":500}}']);
  });

  it('reports a truncated array and garbage', () => {
    expect(() => decodeAll([enc.encode('[{"a":1},')])).toThrow(FramingError);
    expect(() => decodeAll([enc.encode('[{"a":1')])).toThrow(FramingError);
    expect(() => decodeAll([enc.encode('[{"a":1} x')])).toThrow(FramingError);
    expect(() => decodeAll([enc.encode('<html>')])).toThrow(FramingError);
    expect(decodeAll([enc.encode('[]')])).toEqual([]);
  });
});
