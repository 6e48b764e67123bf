import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, fixtureBytes, fixtureFiles, splits } from '../test-support/fixtures.js';
import { FramingError } from './framing-error.js';
import { SseDecoder, type SseEvent } from './sse.js';

const enc = new TextEncoder();

function decodeAll(parts: readonly Uint8Array[], d = new SseDecoder()): SseEvent[] {
  const out: SseEvent[] = [];
  for (const p of parts) out.push(...d.push(p));
  out.push(...d.end());
  return out;
}

/** An independent parser (eventsource-parser) as the oracle; it drops an event left open at EOF. */
function oracle(bytes: Uint8Array): { event: string | undefined; data: string }[] {
  const out: { event: string | undefined; data: string }[] = [];
  const parser = createParser({ onEvent: (e) => out.push({ event: e.event, data: e.data }) });
  parser.feed(new TextDecoder().decode(bytes));
  parser.feed('\n\n');
  return out;
}

const SSE_FIXTURES = ['anthropic', 'gemini', 'mistral', 'openai-chat', 'openai-responses'].flatMap((f) => fixtureFiles(f, '.sse'));

describe('SseDecoder on recorded streams', () => {
  it('finds the fixtures', () => {
    expect(SSE_FIXTURES.length, FIXTURES_DIR).toBeGreaterThanOrEqual(15);
  });

  for (const file of SSE_FIXTURES) {
    it(`${file}: same events as eventsource-parser, for every way of splitting the bytes`, () => {
      const bytes = fixtureBytes(file);
      const reference = decodeAll([bytes]);
      expect(reference.map(({ event, data }) => ({ event, data }))).toEqual(oracle(bytes));
      expect(reference.length).toBeGreaterThan(0);
      const key = JSON.stringify(reference);
      for (const { name, parts } of splits(bytes, file.length)) {
        const got = JSON.stringify(decodeAll(parts));
        if (got !== key) expect(got, name).toBe(key);
      }
    });
  }
});

describe('SseDecoder', () => {
  it('handles LF, CRLF and CR line ends, including a CRLF split across pushes', () => {
    const d = new SseDecoder();
    expect(d.push(enc.encode('data: a\r'))).toEqual([]);
    expect(d.push(enc.encode('\n\r'))).toEqual([{ event: undefined, data: 'a' }]);
    expect(d.push(enc.encode('\ndata: b\r\rdata: c\n\n'))).toEqual([
      { event: undefined, data: 'b' },
      { event: undefined, data: 'c' },
    ]);
  });

  it('joins multi-line data, keeps event and id, ignores comments and unknown fields', () => {
    const text = ': keep-alive\nevent: message_delta\nid: 7\nretry: 10\ndata:{"a":\ndata:  1}\nfoo: bar\n\n';
    expect(decodeAll([enc.encode(text)])).toEqual([{ event: 'message_delta', data: '{"a":\n 1}', id: '7' }]);
  });

  it('keeps multi-byte UTF-8 split inside a sequence and inside a JSON string', () => {
    const text = 'data: {"t":"héllo 世界 🚀 \\"q\\""}\n\n';
    const bytes = enc.encode(text);
    for (const { name, parts } of splits(bytes)) {
      expect(decodeAll(parts), name).toEqual([{ event: undefined, data: '{"t":"héllo 世界 🚀 \\"q\\""}' }]);
    }
  });

  it('dispatches an event left open when the body ends (no trailing blank line)', () => {
    expect(decodeAll([enc.encode('data: {"x":1}')])).toEqual([{ event: undefined, data: '{"x":1}' }]);
  });

  it('strips a UTF-8 BOM and treats a field without colon as empty', () => {
    expect(decodeAll([new Uint8Array([0xef, 0xbb, 0xbf]), enc.encode('data\n\n')])).toEqual([{ event: undefined, data: '' }]);
  });

  it('refuses a line longer than the bound instead of buffering without limit', () => {
    const d = new SseDecoder(1000);
    expect(() => d.push(enc.encode('data: ' + 'x'.repeat(2000)))).toThrow(FramingError);
    const d2 = new SseDecoder(1000);
    expect(() => d2.push(enc.encode('data: xxxxxxxxxx\n'.repeat(200)))).toThrow(FramingError);
  });
});
