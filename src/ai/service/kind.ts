import { ConfigFieldError } from '../../core/policy.js';
import type { ServiceKindDefinition } from '../../core/service-kind.js';
import { compileAiSection, type CompiledAi } from '../config/compile.js';
import { AiServiceSchema, type AiSection, type AiServiceConfig } from '../config/schema.js';
import { AiRuntime } from '../runtime.js';
import type { AiTranslation, ServiceContext } from './context.js';
import { AiServiceHandler } from './handler.js';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function bytes(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim())!;
  return Math.floor(Number(m[1]) * (UNITS[(m[2] || 'b').toLowerCase()] ?? 1));
}

/** The service name for the AI runtime in the gateway's service registry. */
export const AI_RUNTIME_SERVICE = 'ai';

/** `config validate` compiles without module setup: a runtime that never opens a socket until used. */
let detached: AiRuntime | undefined;

/** Anthropic's Messages API paths; every other AI path speaks OpenAI. */
const ANTHROPIC_PATH = /\/messages(\/|$)/;

/**
 * Service kind `ai`: compiles the top-level `ai:` section once per config version (shared by every
 * ai service of that version) and answers the OpenAI and Anthropic APIs from it.
 */
export function aiServiceKind(translation: AiTranslation): ServiceKindDefinition<AiServiceConfig> {
  const cache = new WeakMap<object, { runtime: AiRuntime; compiled: CompiledAi }>();
  return {
    kind: 'ai',
    summary: 'AI gateway: OpenAI- and Anthropic-compatible APIs in front of any configured model provider.',
    schema: AiServiceSchema,
    defaultErrorFormat: (paths) => (paths.length > 0 && paths.every((p) => ANTHROPIC_PATH.test(p)) ? 'anthropic' : 'openai'),
    compile(config, ctx) {
      const section = ctx.section('ai') as AiSection | undefined;
      if (!section) throw new ConfigFieldError('ai', `is required: service ${ctx.serviceId} is of kind "ai" (declare providers and models there)`);
      const runtime = ctx.services.get<AiRuntime>(AI_RUNTIME_SERVICE) ?? (detached ??= new AiRuntime(ctx.log));
      let entry = cache.get(section);
      if (entry?.runtime !== runtime) {
        entry = { runtime, compiled: compileAiSection(section, { adapter: (t) => translation.adapter(t), adapterIds: () => translation.adapterIds(), runtime }) };
        cache.set(section, entry);
      }
      const ai = entry.compiled;
      const patterns = config.models ?? ['*'];
      patterns.forEach((p, i) => {
        if (!p.endsWith('*') && !ai.byName.has(p)) ctx.fail(`models[${i}]`, `no model or alias named ${JSON.stringify(p)} in ai.models / ai.aliases`);
      });
      const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
      const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
      const all = prefixes.includes('');
      const estimateUsage = config.estimate_usage ?? true;
      runtime.serviceCompiled(estimateUsage);
      const sc: ServiceContext = {
        serviceId: ctx.serviceId,
        ai,
        runtime,
        translation,
        maxBody: bytes(config.max_body ?? '20mb'),
        estimateUsage,
        exposes: all ? () => true : (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p)),
        created: Math.floor(Date.now() / 1000),
      };
      return new AiServiceHandler(sc);
    },
  };
}
