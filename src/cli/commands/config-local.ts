import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { assemble, setUpModules } from '../../app/registry.js';
import { ConfigError, formatFieldError, pointerToPath } from '../../config/field-errors.js';
import { resolveConfig } from '../../config/resolve.js';
import { parseConfigText, toYaml } from '../../config/yaml.js';
import { Gateway } from '../../gateway/gateway.js';
import { stripManaged } from '../../management/compose.js';
import { ManagementStateSchema } from '../../management/state-schema.js';
import { exportState } from '../../management/state.js';
import { Store } from '../../store/store.js';

/** The config commands that need the gateway or the store in this process (loaded on demand). */

/** Validate: schema, references, and a full compile (policies refuse bad values) — nothing starts. */
export async function validateFile(path: string): Promise<{ ok: true; summary: string } | { ok: false; errors: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`] };
  }
  const assembly = assemble();
  const { registry, reasons, dialects } = assembly;
  const log = pino({ level: 'silent' });
  // The modules' services (in-process counters, the AI runtime) so that policies needing them compile;
  // without --redis nothing is contacted.
  const { services, cleanups } = await setUpModules(assembly, { log });
  const gw = new Gateway({ registry, reasons, dialects, log, services });
  try {
    const parsed = parseConfigText(text, path);
    // A state file (`config export`) carries a management section next to the config document.
    const { management, ...doc } = (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as Record<string, unknown>;
    const mgmtErrors = management === undefined ? [] : [...Value.Errors(ManagementStateSchema, management)].map((e) => `${pointerToPath(e.path, 'management')}: ${e.message}`);
    const resolved = resolveConfig(management === undefined ? parsed : doc, registry);
    if (mgmtErrors.length) return { ok: false, errors: mgmtErrors };
    gw.discard(gw.prepare(resolved, 0));
    const n = (k: 'services' | 'routes' | 'consumers') => resolved[k].length;
    const m = management as Record<string, unknown[] | undefined> | undefined;
    const extra = m ? `; management: ${['teams', 'apis', 'consumers', 'subscriptions'].map((k) => `${m[k]?.length ?? 0} ${k}`).join(', ')}` : '';
    return { ok: true, summary: `${path}: valid (${n('services')} services, ${n('routes')} routes, ${n('consumers')} consumers, ${resolved.policies.length} policies; hash ${resolved.hash.slice(0, 12)}${extra})` };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, errors: err.errors.map(formatFieldError) };
    throw err;
  } finally {
    await gw.close();
    for (const c of cleanups) await c();
  }
}

/** The state of a stopped (or running) Sluice, read from its store directly. */
export async function exportOffline(o: { data?: string; store?: string }): Promise<string> {
  const store = await Store.open({ url: o.store ?? join(o.data!, 'sluice.db') });
  try {
    const latest = await store.configs.latest();
    return toYaml(await exportState(store.management, stripManaged(latest?.document ?? {})));
  } finally {
    await store.close();
  }
}
