import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * Root of the LLM captures: `test/fixtures/llm`, a verbatim copy of the shared captures
 * (`../shared/fixtures/llm` beside the repository, with their README and sources) kept in the
 * repository so a clean clone tests alone; SLUICE_LLM_FIXTURES overrides it.
 */
export const FIXTURES_DIR = process.env.SLUICE_LLM_FIXTURES ?? join(REPO, 'test', 'fixtures', 'llm');

/** The shared original the copy comes from, when it is beside the repository. */
export const SHARED_FIXTURES_DIR = resolve(REPO, '..', 'shared', 'fixtures', 'llm');

export function fixtureBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES_DIR, rel)));
}

export function fixtureText(rel: string): string {
  return readFileSync(join(FIXTURES_DIR, rel), 'utf8');
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- typed fixture reads
export function fixtureJson<T = unknown>(rel: string): T {
  return JSON.parse(fixtureText(rel)) as T;
}

/** `*.chunks.jsonl` payloads (fidelity 3): one JSON text per line. */
export function fixtureLines(rel: string): string[] {
  return fixtureText(rel).split('\n').filter((l) => l.trim().length > 0);
}

/** Files of one provider folder whose names end with `suffix`, as `folder/name` paths. */
export function fixtureFiles(folder: string, suffix: string): string[] {
  return readdirSync(join(FIXTURES_DIR, folder))
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => `${folder}/${f}`);
}

/** Re-frame data payloads as the SSE the provider sends (`event:` lines when `eventFromType`). */
export function toSse(payloads: readonly string[], opts: { eventFromType?: boolean; done?: boolean } = {}): Uint8Array {
  let s = '';
  for (const p of payloads) {
    if (opts.eventFromType) s += `event: ${(JSON.parse(p) as { type: string }).type}\n`;
    s += `data: ${p}\n\n`;
  }
  if (opts.done) s += 'data: [DONE]\n\n';
  return new TextEncoder().encode(s);
}

/** Deterministic PRNG (mulberry32) for reproducible random splits. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ways to cut `bytes` into pushes: whole, byte by byte, every 2-way split (small inputs), random cuts. */
export function* splits(bytes: Uint8Array, seed = 1): Generator<{ name: string; parts: Uint8Array[] }> {
  yield { name: 'whole', parts: [bytes] };
  yield { name: 'byte-by-byte', parts: Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)) };
  if (bytes.length <= 8192) {
    for (let i = 1; i < bytes.length; i++) yield { name: `split@${i}`, parts: [bytes.subarray(0, i), bytes.subarray(i)] };
  }
  const rnd = prng(seed);
  for (let r = 0; r < 50; r++) {
    const parts: Uint8Array[] = [];
    let p = 0;
    while (p < bytes.length) {
      const n = 1 + Math.floor(rnd() * 64);
      parts.push(bytes.subarray(p, p + n));
      p += n;
    }
    yield { name: `random#${r}`, parts };
  }
}
