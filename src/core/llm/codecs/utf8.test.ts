import { describe, expect, it } from 'vitest';
import { utf8Text, Utf8Stream } from './utf8.js';

/** The reference: one streaming TextDecoder over the same reads. */
function reference(parts: readonly Uint8Array[]): string {
  const d = new TextDecoder('utf-8');
  return parts.map((p) => d.decode(p, { stream: true })).join('') + d.decode();
}

function decoded(parts: readonly Uint8Array[]): string {
  const d = new Utf8Stream();
  return parts.map((p) => d.decode(p)).join('') + d.end();
}

/** Deterministic pseudo-random bytes, biased to lead and continuation bytes so sequences are often split or invalid. */
function bytes(seed: number, n: number): Uint8Array {
  let x = seed;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const r = x % 10;
    out[i] = r < 4 ? 0x20 + (x % 95) : r < 6 ? 0x80 + (x % 64) : r < 9 ? 0xc0 + (x % 56) : x % 256;
  }
  return out;
}

function cuts(b: Uint8Array, seed: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let x = seed;
  for (let i = 0; i < b.length; ) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (x % 7);
    parts.push(b.subarray(i, i + n));
    i += n;
  }
  return parts;
}

describe('Utf8Stream', () => {
  it('gives the text a streaming TextDecoder gives, for valid, invalid and split sequences', () => {
    const enc = new TextEncoder();
    const samples: Uint8Array[] = [enc.encode('data: {"t":"héllo 世界 🚀"}\n\n'), enc.encode('\uFEFFdata: x\n\n'), enc.encode('a\uFEFFb\n')];
    for (let s = 1; s <= 400; s++) samples.push(bytes(s, 1 + (s % 40)));
    for (const [i, b] of samples.entries()) {
      for (const parts of [[b], cuts(b, i + 1), cuts(b, i + 7), [...b].map((x) => Uint8Array.of(x))]) {
        const want = reference(parts);
        const got = decoded(parts);
        if (got !== want) expect({ i, bytes: [...b], got }).toEqual({ i, bytes: [...b], got: want });
      }
    }
  });

  it('strips the BOM only at the start of the stream, even when it arrives in pieces or ahead of the fast path', () => {
    const bom = [0xef, 0xbb, 0xbf];
    expect(decoded([Uint8Array.from([...bom, 0x61, 0x0a])])).toBe('a\n');
    expect(decoded([Uint8Array.of(0xef), Uint8Array.of(0xbb), Uint8Array.from([0xbf, 0x61])])).toBe('a');
    expect(decoded([Uint8Array.of(0x61, 0x0a), Uint8Array.from([...bom, 0x62, 0x0a])])).toBe('a\n\uFEFFb\n');
  });

  it('decodes whole bytes as TextDecoder does, Buffer or plain Uint8Array', () => {
    const b = Uint8Array.from([0x68, 0xc3, 0xa9, 0xff, 0xe4, 0xb8, 0x61]);
    expect(utf8Text(b)).toBe(new TextDecoder().decode(b));
    expect(utf8Text(Buffer.from(b))).toBe(new TextDecoder().decode(b));
    expect(utf8Text(b.subarray(1, 3))).toBe('é');
  });
});
