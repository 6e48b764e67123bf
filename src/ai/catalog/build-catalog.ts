#!/usr/bin/env node
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds src/ai/catalog/data/catalog.json from the Portkey-AI/models data set (MIT) in
 * ../shared/data/model-catalog: per (provider, model) its type, prices (USD per 1M tokens: input,
 * output, cached input, cache write), max output tokens and capabilities, with the source, commit and
 * date. Context windows are not in that data set: they come from a small curated table below
 * (provider model pages), and stay absent where unknown.
 *
 *   npm run build && node dist/ai/catalog/build-catalog.js [DATA_DIR] [OUT_FILE]
 */

const SOURCE = {
  name: 'Portkey-AI/models',
  url: 'https://github.com/Portkey-AI/models',
  commit: 'f654307ec968cc9c8a54f2139fb79ede59c3d688',
  date: '2026-08-21',
  license: 'MIT',
  copyright: 'Copyright (c) 2025 Portkey.ai',
};

/** Context windows (input + output tokens) by model-id pattern, from the providers' model pages. First match wins. */
const CONTEXT_WINDOWS: readonly (readonly [RegExp, number])[] = [
  [/gpt-4\.1/, 1_047_576],
  [/gpt-5/, 400_000],
  [/gpt-4o|gpt-4-turbo|gpt-4-1106|gpt-4-0125|gpt-4-vision|chatgpt-4o/, 128_000],
  [/gpt-4-32k/, 32_768],
  [/gpt-4(-0613|-0314)?$/, 8_192],
  [/gpt-3\.5-turbo-instruct/, 4_096],
  [/gpt-3\.5-turbo/, 16_385],
  [/(^|\/)(o1|o3|o4)(-|$)/, 200_000],
  [/text-embedding-3|text-embedding-ada/, 8_191],
  [/claude-(sonnet-4|opus-4|haiku-4|3|4|sonnet-5|opus-5)/, 200_000],
  [/claude-2/, 100_000],
  [/gemini-1\.5-pro/, 2_097_152],
  [/gemini-(1\.5-flash|2\.0|2\.5|3)/, 1_048_576],
  [/gemini-embedding|text-embedding-004/, 2_048],
  [/mistral-large|mistral-medium|mistral-small|codestral|pixtral-large|ministral/, 128_000],
  [/open-mistral-nemo|mistral-nemo/, 128_000],
  [/command-r|command-a/, 128_000],
  [/deepseek-(chat|reasoner|v3)/, 128_000],
  [/llama-3\.[123]/, 128_000],
  [/grok-4/, 256_000],
  [/grok-3/, 131_072],
];

const CAPABILITY_NAMES: Record<string, string> = { tools: 'tools', image: 'vision', cache_control: 'prompt_caching', pdf: 'pdf', audio: 'audio', reasoning: 'reasoning' };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** US cents per token → USD per 1M tokens, rounded to 6 significant digits (no float noise). */
function perMillion(cents: number | undefined): number | undefined {
  if (cents === undefined) return undefined;
  return Number((cents * 10_000).toPrecision(6));
}

function price(pay: Json, field: string): number | undefined {
  const v = pay[field];
  return isObj(v) ? num(v['price']) : undefined;
}

export interface CatalogEntry {
  type: string;
  input?: number;
  output?: number;
  cached_input?: number;
  cache_write?: number;
  context_window?: number;
  max_output?: number;
  capabilities?: string[];
}

function generalInfo(g: unknown): { type?: string; maxOutput?: number; capabilities: string[] } {
  if (!isObj(g)) return { capabilities: [] };
  const t = g['type'];
  const type = typeof t === 'string' ? t : isObj(t) && typeof t['primary'] === 'string' ? t['primary'] : undefined;
  const caps = new Set<string>();
  if (isObj(t) && Array.isArray(t['supported'])) for (const s of t['supported']) if (typeof s === 'string' && CAPABILITY_NAMES[s]) caps.add(CAPABILITY_NAMES[s]);
  let maxOutput: number | undefined;
  for (const p of Array.isArray(g['params']) ? g['params'] : []) {
    if (!isObj(p)) continue;
    if ((p['key'] === 'max_tokens' || p['key'] === 'max_completion_tokens') && num(p['maxValue'])) maxOutput = Math.max(maxOutput ?? 0, num(p['maxValue'])!);
    if (p['key'] === 'response_format' && JSON.stringify(p['options'] ?? '').includes('json_schema')) caps.add('json_schema');
    if (p['key'] === 'reasoning_effort' || p['key'] === 'reasoning' || p['key'] === 'thinking') caps.add('reasoning');
    if (p['key'] === 'tools' || p['key'] === 'tool_choice') caps.add('tools');
  }
  return { type, maxOutput, capabilities: [...caps].sort() };
}

export function buildCatalog(dataDir: string): { source: typeof SOURCE; units: string; models: Record<string, CatalogEntry> } {
  const models: Record<string, CatalogEntry> = {};
  const pricingDir = join(dataDir, 'pricing');
  for (const file of readdirSync(pricingDir).filter((f) => f.endsWith('.json')).sort()) {
    const provider = file.slice(0, -5);
    const pricing = JSON.parse(readFileSync(join(pricingDir, file), 'utf8')) as Json;
    const generalFile = join(dataDir, 'general', file);
    const general = existsSync(generalFile) ? (JSON.parse(readFileSync(generalFile, 'utf8')) as Json) : {};
    for (const [model, entry] of Object.entries(pricing)) {
      if (model === 'default' || !isObj(entry)) continue;
      const cfg = entry['pricing_config'];
      const pay = isObj(cfg) && isObj(cfg['pay_as_you_go']) ? cfg['pay_as_you_go'] : undefined;
      if (!pay) continue;
      const input = perMillion(price(pay, 'request_token'));
      const output = perMillion(price(pay, 'response_token'));
      if (!input && !output) continue; // not priced per token (images, audio seconds, requests)
      const info = generalInfo(general[model]);
      const type = info.type ?? (/embed/i.test(model) ? 'embedding' : 'chat');
      if (type !== 'chat' && type !== 'text' && type !== 'embedding') continue;
      const e: CatalogEntry = { type: type === 'text' ? 'chat' : type };
      if (input !== undefined) e.input = input;
      if (output !== undefined) e.output = output;
      const cached = perMillion(price(pay, 'cache_read_input_token'));
      if (cached) e.cached_input = cached;
      const write = perMillion(price(pay, 'cache_write_input_token'));
      if (write) e.cache_write = write;
      const ctx = CONTEXT_WINDOWS.find(([re]) => re.test(model))?.[1];
      if (ctx !== undefined) e.context_window = ctx;
      if (info.maxOutput !== undefined) e.max_output = info.maxOutput;
      if (info.capabilities.length > 0) e.capabilities = info.capabilities;
      models[`${provider}/${model}`] = e;
    }
  }
  return { source: SOURCE, units: 'prices in USD per 1M tokens; context_window and max_output in tokens', models };
}

const isMain = process.argv[1]?.endsWith('build-catalog.js');
if (isMain) {
  const dataDir = process.argv[2] ?? join(process.cwd(), '..', 'shared', 'data', 'model-catalog');
  const out = process.argv[3] ?? join(process.cwd(), 'src', 'ai', 'catalog', 'data', 'catalog.json');
  const catalog = buildCatalog(dataDir);
  const lines = Object.entries(catalog.models).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const text = `{\n  "source": ${JSON.stringify(catalog.source)},\n  "units": ${JSON.stringify(catalog.units)},\n  "models": {\n${lines.join(',\n')}\n  }\n}\n`;
  writeFileSync(out, text);
  process.stdout.write(`wrote ${out}: ${lines.length} models from ${catalog.source.name}@${catalog.source.commit.slice(0, 12)} (${catalog.source.date})\n`);
}
