import type { CompiledAi } from './config/compile.js';
import type { AiEvent, AiRuntime } from './runtime.js';
import { CATALOG_SOURCE } from './catalog/catalog.js';

export interface AiStatus {
  readonly providers: readonly {
    readonly id: string;
    readonly type: string;
    readonly base_url: string;
    readonly keys: readonly {
      readonly id: string;
      readonly weight: number;
      readonly priority: number;
      readonly state: 'ok' | 'disabled' | 'cooling_down';
      readonly disabled?: { readonly at: string; readonly status: number; readonly reason: string };
      /** Resting for every model (quota exhausted). */
      readonly cool_until?: string;
      /** Resting for these upstream models (rate limited), until when. */
      readonly cooling_models?: Readonly<Record<string, string>>;
      readonly requests: number;
      readonly rate_limited: number;
    }[];
  }[];
  readonly models: readonly {
    readonly name: string;
    readonly type: string;
    readonly fallbacks: readonly string[];
    readonly targets: readonly { readonly provider: string; readonly model: string; readonly weight: number; readonly priority: number; readonly circuit: ReturnType<CompiledAi['models'][number]['deployments'][number]['breaker']['describe']>; readonly price_source: string; readonly usd_per_1m: { readonly input: number; readonly output: number; readonly cached_input: number } }[];
  }[];
  readonly aliases: Readonly<Record<string, string>>;
  readonly events: readonly AiEvent[];
  readonly catalog: typeof CATALOG_SOURCE;
}

const perMillion = (x: number) => Math.round(x * 1e6 * 1e6) / 1e6;

/** What the operator sees of keys (never secrets), circuits and recent key/circuit events. */
export function aiStatus(ai: CompiledAi, runtime: AiRuntime): AiStatus {
  const t = Date.now();
  return {
    providers: [...ai.providers.values()].map((p) => ({
      id: p.id,
      type: p.type,
      base_url: p.baseUrl,
      keys: p.keys.keys.filter((k) => k.id !== '-').map((k) => {
        const h = k.health;
        const models = h.coolingModels(t);
        const state = h.disabled ? ('disabled' as const) : h.coolUntil > t || models.length > 0 ? ('cooling_down' as const) : ('ok' as const);
        return {
          id: k.id,
          weight: k.weight,
          priority: k.priority,
          state,
          ...(h.disabled ? { disabled: { at: new Date(h.disabled.at).toISOString(), status: h.disabled.status, reason: h.disabled.message } } : {}),
          ...(h.coolUntil > t ? { cool_until: new Date(h.coolUntil).toISOString() } : {}),
          ...(models.length > 0 ? { cooling_models: Object.fromEntries(models.map(([m, until]) => [m, new Date(until).toISOString()])) } : {}),
          requests: h.requests,
          rate_limited: h.rateLimited,
        };
      }),
    })),
    models: ai.models.map((m) => ({
      name: m.name,
      type: m.type,
      fallbacks: m.fallbacks.map((f) => f.name),
      targets: m.deployments.map((d) => ({
        provider: d.provider.id,
        model: d.providerModel,
        weight: d.weight,
        priority: d.priority,
        circuit: d.breaker.describe(t),
        price_source: d.facts.source,
        usd_per_1m: { input: perMillion(d.facts.inputPerToken), output: perMillion(d.facts.outputPerToken), cached_input: perMillion(d.facts.cachedInputPerToken) },
      })),
    })),
    aliases: Object.fromEntries(ai.aliases),
    events: runtime.events(),
    catalog: CATALOG_SOURCE,
  };
}
