import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../test/golden/ai');

/**
 * Compares a derived value (canonical chunks, a translated body) with test/golden/ai/<name>.json.
 * Written the first time locally or with UPDATE_GOLDEN=1; a missing file fails in CI. Review new
 * files like code: they are what the translation produces, not what a provider sent.
 */
export function expectGoldenJson(name: string, value: unknown): void {
  const file = join(ROOT, `${name}.json`);
  const actual = JSON.parse(JSON.stringify(value)) as unknown;
  if (process.env.UPDATE_GOLDEN === '1' || (!existsSync(file) && !process.env.CI)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    return;
  }
  expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')) as unknown);
}
