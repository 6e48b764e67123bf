import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminOpenApiDocument } from '../admin/openapi-doc.js';
import { assemble } from '../app/registry.js';
import { adminApiMarkdown, generatedDocs } from './generate.js';

const ROOT = join(import.meta.dirname, '..', '..');
const { reasons, registry } = assemble();

describe('docs and code agree', () => {
  it.each(Object.entries(generatedDocs(reasons, registry)))('%s is up to date (run `npm run build && npm run docs:gen`)', (path, text) => {
    const file = join(ROOT, path);
    expect(existsSync(file), `${path} is missing`).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('docs/admin-api.md is up to date with the admin API\'s OpenAPI document (run `npm run build && npm run docs:gen`)', async () => {
    const file = join(ROOT, 'docs', 'admin-api.md');
    expect(existsSync(file), 'docs/admin-api.md is missing').toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(adminApiMarkdown(await adminOpenApiDocument()));
  });

  it('every reason code appears in docs/errors.md with its status', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
    for (const r of reasons.all()) expect(doc).toContain(`\`${r.code}\` | ${r.status} |`);
  });
});

const POLICIES_DIR = join(ROOT, 'src', 'policies');
const folders = readdirSync(POLICIES_DIR).filter((f) => statSync(join(POLICIES_DIR, f)).isDirectory() && !f.startsWith('_'));

describe('policy folders', () => {
  it('every folder is registered under its own name', () => {
    expect([...registry.policies.keys()].sort()).toEqual(expect.arrayContaining(folders.sort()));
    for (const name of registry.policies.keys()) expect(folders).toContain(name);
  });

  it.each(folders)('%s has its schema, implementation, test and README', (name) => {
    for (const f of ['index.ts', 'schema.ts', 'index.test.ts', 'README.md']) expect(existsSync(join(POLICIES_DIR, name, f)), `${name}/${f}`).toBe(true);
  });

  it.each(folders)('%s denies only with codes from a reason table', (name) => {
    const dir = join(POLICIES_DIR, name);
    const src = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    for (const m of src.matchAll(/deny\(\s*['"`]([a-z0-9_.]+)['"`]/g)) {
      expect(reasons.get(m[1]!), `${name} denies with "${m[1]!}", which no reason table defines`).toBeDefined();
    }
  });
});
