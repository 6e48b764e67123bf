import data from './data/catalog.json' with { type: 'json' };
import type { PriceConfig } from '../config/schema.js';

/** One model as the catalog knows it. Prices in USD per token (precomputed: cost is multiply-adds). */
export interface ModelFacts {
  /** Where the facts came from: `catalog` (built-in), `override` (operator), `unknown`. */
  readonly source: 'catalog' | 'override' | 'unknown';
  /** The catalog key that matched, e.g. `openai/gpt-4o`. */
  readonly key?: string;
  readonly type: 'chat' | 'embedding';
  readonly inputPerToken: number;
  readonly outputPerToken: number;
  readonly cachedInputPerToken: number;
  readonly cacheWritePerToken: number;
  readonly priced: boolean;
  readonly contextWindow?: number;
  readonly maxOutput?: number;
  readonly capabilities: readonly string[];
}

interface Entry {
  readonly type: string;
  readonly input?: number;
  readonly output?: number;
  readonly cached_input?: number;
  readonly cache_write?: number;
  readonly context_window?: number;
  readonly max_output?: number;
  readonly capabilities?: readonly string[];
}

const BUILT_IN = data.models as Readonly<Record<string, Entry>>;

/** Attribution and date of the built-in data (shown by docs and the admin API). */
export const CATALOG_SOURCE: Readonly<typeof data.source> = data.source;

/** Adapter ids whose catalog provider name differs. */
const CATALOG_PROVIDER: Readonly<Record<string, string>> = {
  gemini: 'google',
  'google-ai-studio': 'google',
  vertex: 'vertex-ai',
  mistral: 'mistral-ai',
  together: 'together-ai',
  fireworks: 'fireworks-ai',
  xai: 'x-ai',
  perplexity: 'perplexity-ai',
  azure: 'azure-openai',
  'azure-ai-foundry': 'azure-ai',
  cloudflare: 'workers-ai',
  'workers-ai': 'workers-ai',
  novita: 'novita-ai',
  reka: 'reka-ai',
  zai: 'z-ai',
};

/** Providers whose models other providers resell under the same name: preferred for name-only lookups. */
const ORIGINS = ['openai', 'anthropic', 'google', 'mistral-ai', 'cohere', 'deepseek', 'x-ai', 'ai21'];
let byName: Map<string, string> | undefined;

function nameIndex(): Map<string, string> {
  if (byName) return byName;
  const m = new Map<string, string>();
  const keys = Object.keys(BUILT_IN);
  const rank = (k: string) => {
    const i = ORIGINS.indexOf(k.slice(0, k.indexOf('/')));
    return i < 0 ? ORIGINS.length : i;
  };
  keys.sort((a, b) => rank(a) - rank(b));
  for (const k of keys) {
    const name = k.slice(k.indexOf('/') + 1);
    if (!m.has(name)) m.set(name, k);
  }
  return (byName = m);
}

/** Bedrock ARNs and cross-region inference profiles (`us.anthropic.…`) cost what their model costs, unless priced apart. */
function bedrockBases(model: string): string[] {
  const id = model.replace(/^arn:aws[\w-]*:bedrock:[^/]*\//, '');
  return [id, id.replace(/^(?:us|eu|apac|us-gov|global|jp|au|ca)\./, '')];
}

function findBuiltIn(providerType: string, model: string): string | undefined {
  const p = CATALOG_PROVIDER[providerType] ?? providerType;
  for (const candidate of [`${p}/${model}`, `${p}/${model}-lte-128k`]) if (BUILT_IN[candidate]) return candidate;
  if (p === 'bedrock') for (const base of bedrockBases(model)) if (BUILT_IN[`bedrock/${base}`]) return `bedrock/${base}`;
  const idx = nameIndex();
  return idx.get(model) ?? idx.get(`${model}-lte-128k`);
}

const perToken = (usdPerMillion: number | undefined) => (usdPerMillion ?? 0) / 1_000_000;

/**
 * Facts about (provider, model): the operator's `ai.catalog` override (keyed `<provider id>/<model>`,
 * `<provider type>/<model>` or `<model>`) merged over the built-in entry. Called at compile time only.
 */
export function lookupModel(
  providerId: string,
  providerType: string,
  model: string,
  overrides: Readonly<Record<string, PriceConfig>> = {},
): ModelFacts {
  const overrideKey = [`${providerId}/${model}`, `${providerType}/${model}`, model].find((k) => overrides[k] !== undefined);
  const o = overrideKey ? overrides[overrideKey] : undefined;
  const builtInKey = findBuiltIn(providerType, model);
  const b: Entry | undefined = builtInKey ? BUILT_IN[builtInKey] : undefined;
  const input = o?.input ?? b?.input;
  const output = o?.output ?? b?.output;
  const type = b?.type === 'embedding' || /embed/i.test(model) ? 'embedding' : 'chat';
  return {
    source: o ? 'override' : b ? 'catalog' : 'unknown',
    key: overrideKey ?? builtInKey,
    type,
    inputPerToken: perToken(input),
    outputPerToken: perToken(output),
    cachedInputPerToken: perToken(o?.cached_input ?? b?.cached_input ?? input),
    cacheWritePerToken: perToken(o?.cache_write ?? b?.cache_write ?? input),
    priced: input !== undefined || output !== undefined,
    contextWindow: o?.context_window ?? b?.context_window,
    maxOutput: o?.max_output ?? b?.max_output,
    capabilities: b?.capabilities ?? [],
  };
}

/** Number of built-in models (docs, tests). */
export function catalogSize(): number {
  return Object.keys(BUILT_IN).length;
}
