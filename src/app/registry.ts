import { ErrorDialects } from '../core/problem.js';
import { GATEWAY_REASONS, ReasonTable, type ReasonDefinition } from '../core/reasons.js';
import { createRegistry, type ConfigRegistry } from '../config/registry.js';
import { ADMIN_REASONS } from '../admin/reasons.js';
import type { SluiceModule } from './module.js';
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
