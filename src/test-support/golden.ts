import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import type { SimpleResponse } from './gateway.js';

const ROOT = join(import.meta.dirname, '..', '..', 'test', 'golden');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** Headers that vary per run or per Node version and say nothing about Sluice's answer. */
const VOLATILE = new Set(['date', 'keep-alive', 'connection', 'transfer-encoding']);

export interface GoldenResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Status, headers and body with run-specific values (request ids, ports) replaced by placeholders. */
export function normalize(r: SimpleResponse, replace: Record<string, string> = {}): GoldenResponse {
  const scrub = (s: string) => {
    let out = s.replace(UUID, '<request-id>');
    for (const [from, to] of Object.entries(replace)) out = out.split(from).join(to);
    return out;
  };
  const headers: Record<string, string> = {};
  for (const k of Object.keys(r.headers).sort()) {
    if (VOLATILE.has(k)) continue;
    const v = r.headers[k];
    headers[k] = scrub(Array.isArray(v) ? v.join(', ') : v ?? '');
  }
  if (headers['content-length'] !== undefined) {
    // The length varies with ports and ids; check it is right, then hide it.
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(r.text));
    headers['content-length'] = '<length>';
  }
  let body: unknown = scrub(r.text);
  try {
    body = JSON.parse(scrub(r.text));
  } catch {
    /* not JSON */
  }
  return { status: r.status, headers, body };
}

/**
 * Compares a response with test/golden/<name>.json. Set UPDATE_GOLDEN=1 to (re)write the files;
 * a missing file fails in CI.
 */
export function expectGolden(name: string, r: SimpleResponse, replace: Record<string, string> = {}): void {
  const file = join(ROOT, `${name}.json`);
  const actual = normalize(r, replace);
  if (process.env['UPDATE_GOLDEN'] === '1' || (!existsSync(file) && !process.env['CI'])) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    return;
  }
  const expected = JSON.parse(readFileSync(file, 'utf8')) as GoldenResponse;
  expect(actual).toEqual(expected);
}
