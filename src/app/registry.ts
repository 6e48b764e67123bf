import { ErrorDialects } from '../core/problem.js';
import { GATEWAY_REASONS, ReasonTable, type ReasonDefinition } from '../core/reasons.js';
import { createRegistry, type ConfigRegistry } from '../config/registry.js';
import { ADMIN_REASONS } from '../admin/reasons.js';
import type { Logger } from 'pino';
import { MapServiceRegistry, type SluiceModule } from './module.js';
import { MODULES } from './modules.js';

export interface Assembly {
  readonly modules: readonly SluiceModule[];
  readonly registry: ConfigRegistry;
  readonly reasons: ReasonTable;
  readonly dialects: ErrorDialects;
}

/** Builds the registry, the one reason table and the error dialects from the modules. */
export function assemble(modules: readonly SluiceModule[] = MODULES): Assembly {
  const registry = createRegistry({
    policies: modules.flatMap((m) => m.policies ?? []),
    serviceKinds: modules.flatMap((m) => m.serviceKinds ?? []),
    sections: modules.flatMap((m) => m.sections ?? []),
    reasons: modules.flatMap((m) => m.reasons ?? []),
  });
  const groups: (readonly ReasonDefinition[])[] = [GATEWAY_REASONS, ADMIN_REASONS, ...registry.reasons];
  for (const p of registry.policies.values()) groups.push(p.reasons);
  const dialects = new ErrorDialects();
  for (const m of modules) for (const [name, d] of Object.entries(m.dialects ?? {})) dialects.register(name, d);
  return { modules, registry, reasons: new ReasonTable(groups), dialects };
}

/** The shared services the modules provide (counters, AI runtime…), and how to release them. */
export interface ModuleServices {
  readonly services: MapServiceRegistry;
  readonly cleanups: readonly (() => Promise<void> | void)[];
}

/** Runs every module's setup once, in order. `sluice start` and `sluice config validate` share it. */
export async function setUpModules(assembly: Assembly, o: { log: Logger; redisUrl?: string }): Promise<ModuleServices> {
  const services = new MapServiceRegistry();
  const cleanups: (() => Promise<void> | void)[] = [];
  for (const m of assembly.modules) {
    await m.setup?.({ log: o.log, redisUrl: o.redisUrl, provide: (n, s) => services.set(n, s), onClose: (fn) => cleanups.push(fn) });
  }
  return { services, cleanups };
}
