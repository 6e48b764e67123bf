import type { SluiceModule } from '../app/module.js';
import { AiSectionSchema } from './config/schema.js';
import { anthropicDialect } from './dialects/anthropic/index.js';
import { openaiDialect } from './dialects/openai/index.js';
import { anthropicErrors, openaiErrors } from './errors/dialects.js';
import { getProvider, providerIds } from './providers/registry.js';
import { warmTokenizer } from './accounting/estimate.js';
import { AI_REASONS } from './reasons.js';
import { AiRuntime } from './runtime.js';
import type { AiTranslation } from './service/context.js';
import { AI_RUNTIME_SERVICE, aiServiceKind } from './service/kind.js';

/** Provider adapters (by type) and the two inbound dialects: what the `ai` service kind translates with. */
export const AI_TRANSLATION: AiTranslation = {
  adapter: getProvider,
  adapterIds: providerIds,
  openai: openaiDialect,
  anthropic: anthropicDialect,
};

/**
 * The AI gateway: the `ai` service kind, the top-level `ai:` config section, the AI reason codes,
 * the OpenAI and Anthropic error dialects of AI routes, and the AI runtime (provider pools, key
 * health, circuit breakers, minted tokens) that outlives config versions and is closed at shutdown;
 * once an ai service exists it loads the token counter in the background.
 */
export const aiModule: SluiceModule = {
  name: 'ai',
  serviceKinds: [aiServiceKind(AI_TRANSLATION)],
  sections: [{ key: 'ai', schema: AiSectionSchema }],
  reasons: [AI_REASONS],
  dialects: { openai: openaiErrors, anthropic: anthropicErrors },
  setup(s) {
    // The tokenizer is warmed up once a config with an ai service compiles (and not for config validate).
    const runtime = new AiRuntime(s.log.child({ component: 'ai' }), warmTokenizer);
    s.provide(AI_RUNTIME_SERVICE, runtime);
    s.onClose(() => runtime.close());
  },
};
