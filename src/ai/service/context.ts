import type { ServiceExchange } from '../../core/service-kind.js';
import type { ChatDialect, EmbeddingsDialect } from '../dialects/contract.js';
import type { ProviderAdapter } from '../providers/contract.js';
import type { CompiledAi, CompiledModel } from '../config/compile.js';
import type { AiRuntime } from '../runtime.js';

/** The translation layer the service is built on (adapters and inbound dialects), injected by the module. */
export interface AiTranslation {
  adapter(type: string): ProviderAdapter | undefined;
  adapterIds(): Iterable<string>;
  readonly openai: ChatDialect & EmbeddingsDialect;
  readonly anthropic: ChatDialect;
}

/** Everything one compiled `kind: ai` service needs per request (built once per config version). */
export interface ServiceContext {
  readonly serviceId: string;
  readonly ai: CompiledAi;
  readonly runtime: AiRuntime;
  readonly translation: AiTranslation;
  readonly maxBody: number;
  readonly estimateUsage: boolean;
  /** Is this model name (or alias) served by this service? */
  readonly exposes: (name: string) => boolean;
  /** Unix seconds of the config version (the `created` of listed models). */
  readonly created: number;
}

/** Set by the model-access policy: may this caller use that model name? (ctx.locals key). */
export const MODEL_ACCESS_LOCAL = 'model-access';
export type ModelPredicate = (name: string) => boolean;

export function callerMay(ex: ServiceExchange, name: string): boolean {
  const p = ex.ctx.locals.get(MODEL_ACCESS_LOCAL) as ModelPredicate | undefined;
  return p === undefined || p(name);
}

/** Resolves the requested name (model or alias) among what this service serves. */
export function findModel(sc: ServiceContext, name: string): CompiledModel | undefined {
  if (!sc.exposes(name)) return undefined;
  return sc.ai.byName.get(name);
}
