import type { PolicyDefinition, ServiceRegistry } from '../core/policy.js';
import type { ErrorDialect } from '../core/problem.js';
import type { ReasonDefinition } from '../core/reasons.js';
import type { ServiceKindDefinition } from '../core/service-kind.js';
import type { ConfigSection } from '../config/registry.js';
import type { Logger } from 'pino';

/** Runtime facts a module may need when it sets up shared services. */
export interface ModuleSetup {
  readonly log: Logger;
  /** Redis URL when the operator configured one (`--redis`). */
  readonly redisUrl?: string;
  /** Register a shared service under a name (policies ask for it by name). */
  provide(name: string, service: unknown): void;
  /** Register a cleanup to run at shutdown. */
  onClose(fn: () => Promise<void> | void): void;
}

/**
 * A feature area that plugs into the gateway without the core knowing its name: policies, service
 * kinds, config sections, reason codes, error dialects, shared services.
 */
export interface SluiceModule {
  readonly name: string;
  readonly policies?: readonly PolicyDefinition[];
  readonly serviceKinds?: readonly ServiceKindDefinition[];
  readonly sections?: readonly ConfigSection[];
  readonly reasons?: readonly (readonly ReasonDefinition[])[];
  readonly dialects?: Readonly<Record<string, ErrorDialect>>;
  setup?(s: ModuleSetup): void | Promise<void>;
}

/** Services registered by modules, looked up by policies by name. */
export class MapServiceRegistry implements ServiceRegistry {
  private readonly map = new Map<string, unknown>();
  set(name: string, service: unknown): void {
    this.map.set(name, service);
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- typed lookup by name
  get<T>(name: string): T | undefined {
    return this.map.get(name) as T | undefined;
  }
}
