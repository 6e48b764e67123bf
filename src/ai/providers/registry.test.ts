import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, getProvider } from './registry.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Folders that hold shared code, not an adapter. */
const NOT_ADAPTERS = new Set(['shared', 'test-support', 'bench']);

describe('provider registry', () => {
  const folders = readdirSync(HERE, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !NOT_ADAPTERS.has(d.name))
    .map((d) => d.name)
    .sort();

  it('registers exactly one adapter per provider folder, with the folder name as id', () => {
    expect(PROVIDERS.map((p) => p.id).sort()).toEqual(folders);
    for (const f of folders) expect(existsSync(join(HERE, f, 'index.ts')), f).toBe(true);
  });

  it('has unique kebab-case ids and at least 40 providers', () => {
    const ids = PROVIDERS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(ids.length).toBeGreaterThanOrEqual(40);
  });

  it('looks adapters up by id', () => {
    expect(getProvider('anthropic')?.displayName).toBe('Anthropic');
    expect(getProvider('nope')).toBeUndefined();
  });
});
