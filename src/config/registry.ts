import type { TSchema } from '@sinclair/typebox';
import type { PolicyDefinition } from '../core/policy.js';
import type { ReasonDefinition } from '../core/reasons.js';
import type { ServiceKindDefinition } from '../core/service-kind.js';

/** A top-level config section contributed by a module (e.g. `ai`). */
export interface ConfigSection {
  readonly key: string;
  readonly schema: TSchema;
}

/** Everything config validation must know about: policies, service kinds, module sections. */
export interface ConfigRegistry {
  readonly policies: ReadonlyMap<string, PolicyDefinition>;
  readonly serviceKinds: ReadonlyMap<string, ServiceKindDefinition>;
  readonly sections: readonly ConfigSection[];
  /** Reason codes of modules that are neither policies nor the gateway (AI, admin…). */
  readonly reasons: readonly (readonly ReasonDefinition[])[];
}

export function createRegistry(parts: {
  policies?: readonly PolicyDefinition[];
  serviceKinds?: readonly ServiceKindDefinition[];
  sections?: readonly ConfigSection[];
  reasons?: readonly (readonly ReasonDefinition[])[];
}): ConfigRegistry {
  const policies = new Map<string, PolicyDefinition>();
  for (const p of parts.policies ?? []) {
    if (policies.has(p.name)) throw new Error(`policy "${p.name}" registered twice`);
    policies.set(p.name, p);
  }
  const serviceKinds = new Map<string, ServiceKindDefinition>();
  for (const k of parts.serviceKinds ?? []) serviceKinds.set(k.kind, k);
  return { policies, serviceKinds, sections: parts.sections ?? [], reasons: parts.reasons ?? [] };
}
