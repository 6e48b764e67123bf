import type { ProviderAdapter } from './contract.js';
import { zeroOneAi } from './01-ai/index.js';
import { anthropic } from './anthropic/index.js';
import { azureOpenai } from './azure-openai/index.js';
import { baichuan } from './baichuan/index.js';
import { bedrock } from './bedrock/index.js';
import { cerebras } from './cerebras/index.js';
import { cohere } from './cohere/index.js';
import { dashscope } from './dashscope/index.js';
import { deepinfra } from './deepinfra/index.js';
import { deepseek } from './deepseek/index.js';
import { featherless } from './featherless/index.js';
import { fireworks } from './fireworks/index.js';
import { gemini } from './gemini/index.js';
import { githubModels } from './github-models/index.js';
import { groq } from './groq/index.js';
import { huggingface } from './huggingface/index.js';
import { huggingfaceTgi } from './huggingface-tgi/index.js';
import { hunyuan } from './hunyuan/index.js';
import { hyperbolic } from './hyperbolic/index.js';
import { lambda } from './lambda/index.js';
import { llamaCpp } from './llama-cpp/index.js';
import { lmStudio } from './lm-studio/index.js';
import { minimax } from './minimax/index.js';
import { mistral } from './mistral/index.js';
import { moonshot } from './moonshot/index.js';
import { nebius } from './nebius/index.js';
import { novita } from './novita/index.js';
import { nvidiaNim } from './nvidia-nim/index.js';
import { ollama } from './ollama/index.js';
import { ollamaOpenai } from './ollama-openai/index.js';
import { openai } from './openai/index.js';
import { openaiCompatible } from './openai-compatible/index.js';
import { openrouter } from './openrouter/index.js';
import { perplexity } from './perplexity/index.js';
import { sambanova } from './sambanova/index.js';
import { siliconflow } from './siliconflow/index.js';
import { stepfun } from './stepfun/index.js';
import { together } from './together/index.js';
import { upstage } from './upstage/index.js';
import { vertex } from './vertex/index.js';
import { vllm } from './vllm/index.js';
import { volcengine } from './volcengine/index.js';
import { xai } from './xai/index.js';
import { xinference } from './xinference/index.js';
import { zhipu } from './zhipu/index.js';

/**
 * Every provider adapter, one per folder (a test checks the folders and this list agree).
 * Native adapters first, then OpenAI-compatible vendors (data on the shared base).
 */
export const PROVIDERS: readonly ProviderAdapter[] = [
  openai,
  azureOpenai,
  anthropic,
  mistral,
  gemini,
  vertex,
  ollama,
  bedrock,
  cohere,
  openaiCompatible,
  groq,
  deepseek,
  together,
  fireworks,
  xai,
  openrouter,
  perplexity,
  deepinfra,
  cerebras,
  sambanova,
  nvidiaNim,
  dashscope,
  moonshot,
  zhipu,
  minimax,
  siliconflow,
  volcengine,
  baichuan,
  stepfun,
  zeroOneAi,
  hunyuan,
  novita,
  upstage,
  nebius,
  lmStudio,
  vllm,
  llamaCpp,
  xinference,
  huggingfaceTgi,
  huggingface,
  ollamaOpenai,
  hyperbolic,
  lambda,
  githubModels,
  featherless,
];

const BY_ID = new Map(PROVIDERS.map((p) => [p.id, p]));

/** The adapter for a catalog `provider` id. */
export function getProvider(id: string): ProviderAdapter | undefined {
  return BY_ID.get(id);
}

export function providerIds(): string[] {
  return PROVIDERS.map((p) => p.id);
}
