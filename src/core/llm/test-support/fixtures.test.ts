import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, SHARED_FIXTURES_DIR } from './fixtures.js';

function digests(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

describe('LLM captures', () => {
  it('the repository copy holds the captures with their README and manifest', () => {
    const files = digests(FIXTURES_DIR);
    expect(files.has('README.md')).toBe(true);
    expect(files.has('manifest.json')).toBe(true);
    expect(files.size).toBeGreaterThan(100);
  });

  // The copy must not drift from the shared original (fixes there must reach our tests).
  it.skipIf(!existsSync(SHARED_FIXTURES_DIR))('is identical to ../shared/fixtures/llm when that is beside the repository', () => {
    expect(Object.fromEntries(digests(FIXTURES_DIR))).toEqual(Object.fromEntries(digests(SHARED_FIXTURES_DIR)));
  });
});
