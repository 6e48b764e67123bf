import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assemble } from '../../app/registry.js';
import { ConfigError, formatFieldError } from '../../config/field-errors.js';
import { resolveConfig } from '../../config/resolve.js';
import { parseConfigText, toYaml } from '../../config/yaml.js';
import { Gateway } from '../../gateway/gateway.js';
import { MapServiceRegistry } from '../../app/module.js';
import { Store } from '../../store/store.js';
import pino from 'pino';
import { ADMIN_OPTIONS, UsageError, adminTarget, parse } from '../args.js';
import { adminCall } from '../admin-client.js';

/** Validate: schema, references, and a full compile (policies refuse bad values) — nothing starts. */
export async function validateFile(path: string): Promise<{ ok: true; summary: string } | { ok: false; errors: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`] };
  }
  const { registry, reasons, dialects } = assemble();
  const gw = new Gateway({ registry, reasons, dialects, log: pino({ level: 'silent' }), services: new MapServiceRegistry() });
  try {
    const resolved = resolveConfig(parseConfigText(text, path), registry);
    gw.discard(gw.prepare(resolved, 0));
    const n = (k: 'services' | 'routes' | 'consumers') => resolved[k].length;
    return { ok: true, summary: `${path}: valid (${n('services')} services, ${n('routes')} routes, ${n('consumers')} consumers, ${resolved.policies.length} policies; hash ${resolved.hash.slice(0, 12)})` };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, errors: err.errors.map(formatFieldError) };
    throw err;
  } finally {
    await gw.close();
  }
}

export async function configCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'validate': {
      const { positionals } = parse(rest, {}, true);
      const file = positionals[0];
      if (!file) throw new UsageError('usage: sluice config validate FILE');
      const r = await validateFile(file);
      if (r.ok) {
        process.stdout.write(`${r.summary}\n`);
        return 0;
      }
      process.stderr.write(`${file}: invalid config\n${r.errors.map((e) => `  ${e}`).join('\n')}\n`);
      return 1;
    }
    case 'export': {
      const { values: v } = parse(rest, { ...ADMIN_OPTIONS, data: { type: 'string' }, store: { type: 'string' }, output: { type: 'string', short: 'o' } });
      let yaml: string;
      if (v.data || v.store) {
        const store = await Store.open({ url: v.store ?? join(v.data!, 'sluice.db') });
        try {
          const latest = await store.configs.latest();
          yaml = toYaml(latest?.document ?? {});
        } finally {
          await store.close();
        }
      } else {
        const r = await adminCall(adminTarget(v), 'GET', '/config?format=yaml', undefined, 'application/yaml');
        yaml = r.text;
      }
      if (v.output) await writeFile(v.output, yaml);
      else process.stdout.write(yaml);
      return 0;
    }
    default:
      throw new UsageError('usage: sluice config validate FILE | sluice config export [--admin URL | --data DIR | --store URL] [-o FILE]');
  }
}
