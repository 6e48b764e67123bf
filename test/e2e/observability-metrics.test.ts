import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { consumer } from '../../src/test-support/llm-mocks/helpers.js';
import { startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Family {
  readonly name: string;
  type: string;
  help?: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(v: string, line: number): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`line ${line}: bad value ${JSON.stringify(v)}`);
  return Number(v);
}

/** `{a="x",b="y\"z"}` → labels; strict about quoting and escapes (\\ \" \n only). */
function parseLabels(s: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without =`);
    const name = s.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`line ${line}: bad label name ${name}`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: label value must be quoted`);
    let j = eq + 2;
    let value = '';
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === '\\') {
        const e = s[++j];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`line ${line}: bad escape \\${e ?? ''}`);
      } else value += s[j]!;
    }
    if (s[j] !== '"') throw new Error(`line ${line}: unterminated label value`);
    if (name in out) throw new Error(`line ${line}: duplicate label ${name}`);
    out[name] = value;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (i < s.length) throw new Error(`line ${line}: expected , between labels`);
  }
  return out;
}

/** The family a sample belongs to (histogram/summary samples carry suffixes). */
function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  if (families.has(name)) return families.get(name);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const f = families.get(name.slice(0, -suffix.length));
      if (f && (f.type === 'histogram' || f.type === 'summary')) return f;
    }
  }
  return undefined;
}

/**
 * A strict parser of the Prometheus text exposition format 0.0.4: HELP/TYPE before samples, one TYPE
 * per family, families contiguous, no duplicate series, valid names, escapes and values, and
 * consistent histograms (cumulative buckets ending at +Inf = _count).
 */
function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const series = new Set<string>();
  const closed = new Set<string>();
  let current: Family | undefined;
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  text.slice(0, -1).split('\n').forEach((raw, idx) => {
    const line = idx + 1;
    if (raw === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      if (closed.has(name)) throw new Error(`line ${line}: family ${name} is not contiguous`);
      let f = families.get(name);
      if (!f) {
        if (current && current.name !== name) closed.add(current.name);
        families.set(name, (f = { name, type: 'untyped', samples: [] }));
      }
      if (f.samples.length > 0) throw new Error(`line ${line}: ${kind} after samples of ${name}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: bad type ${rest}`);
        f.type = rest;
      } else {
        if (f.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`);
        f.help = rest;
      }
      current = f;
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = m[1]!;
    const labels = parseLabels(m[2] ?? '', line);
    const f = familyOf(families, name) ?? { name, type: 'untyped', samples: [] };
    if (!families.has(f.name)) families.set(f.name, f);
    if (closed.has(f.name)) throw new Error(`line ${line}: family ${f.name} is not contiguous`);
    if (current && current !== f) closed.add(current.name);
    current = f;
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
    series.add(key);
    f.samples.push({ name, labels, value: parseValue(m[3]!, line) });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const k = JSON.stringify(Object.entries(rest).sort());
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(s);
    if (s.name === `${f.name}_bucket` && le === undefined) throw new Error(`${f.name}: bucket without le`);
  }
  for (const [k, samples] of groups) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket')).map((s) => [parseValue(s.labels['le']!, 0), s.value] as const);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]![0] > buckets[i - 1]![0]) || buckets[i]![1] < buckets[i - 1]![1]) throw new Error(`${f.name} ${k}: buckets not cumulative`);
    }
    const inf = buckets.at(-1);
    const count = samples.find((s) => s.name === `${f.name}_count`)?.value;
    if (inf?.[0] !== Infinity || inf[1] !== count) throw new Error(`${f.name} ${k}: +Inf bucket must equal _count`);
    if (!samples.some((s) => s.name === `${f.name}_sum`)) throw new Error(`${f.name} ${k}: no _sum`);
  }
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const f = familyOf(families, name);
  return f?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('the strict Prometheus parser', () => {
  it('accepts a valid exposition and refuses broken ones', () => {
    const ok = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1",y="q\\"\\\\"} 3\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n';
    expect(value(parsePrometheus(ok), 'a_total', { y: 'q"\\' })).toBe(3);
    for (const bad of [
      'a 1', // no final newline
      'a{x=1} 1\n', // unquoted label value
      'a 1\na 2\n', // duplicate series
      '# TYPE a counter\na 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n', // not contiguous
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
      'a 1.2.3\n',
      '# TYPE a countr\n',
    ]) expect(() => parsePrometheus(bad), bad).toThrow();
  });
});

describe('GET /metrics on the admin listener', () => {
  let up: TestUpstream;
  let oa: LlmMock;
  let gw: TestGateway;
  let families: Map<string, Family>;
  const KEY = 'sluice_test_metrics_alice_000001';

  beforeAll(async () => {
    up = await startUpstream();
    oa = await startLlmMock('openai');
    gw = await startGateway({
      ai: {
        providers: [{ id: 'openai', type: 'openai', base_url: `${oa.url}/v1`, keys: [{ id: 'main', secret: 'plain:sk-upstream-openai' }] }],
        models: [{ name: 'gpt-4o', targets: [{ provider: 'openai', model: 'gpt-4o' }] }],
      },
      services: [{ id: 'svc', upstream: { targets: [up.url] } }, { id: 'llm', kind: 'ai' }],
      routes: [
        { id: 'orders', service: 'svc', paths: ['/orders'], policies: [{ name: 'key-auth' }] },
        { id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions'], policies: [{ name: 'key-auth' }] },
      ],
      consumers: [consumer('alice', KEY)],
    });
    for (let i = 0; i < 5; i++) expect((await call(`${gw.url}/orders`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call(`${gw.url}/orders`)).status).toBe(401);
    expect((await call(`${gw.url}/nowhere`)).status).toBe(404);
    const ai = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await ai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const r = await call(`${gw.admin}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    families = parsePrometheus(r.text);
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    await oa.close();
  });

  it('parses strictly and counts requests by route, status and who answered', () => {
    expect(value(families, 'sluice_requests_total', { route: 'orders', status: '200', answered_by: 'upstream' })).toBe(5);
    expect(value(families, 'sluice_requests_total', { route: 'orders', status: '401', answered_by: 'gateway' })).toBe(3);
    expect(value(families, 'sluice_requests_total', { route: '', status: '404' })).toBe(1);
    expect(families.get('sluice_requests_total')!.type).toBe('counter');
  });

  it('has latency histograms: total, gateway overhead and upstream', () => {
    expect(families.get('sluice_request_duration_seconds')!.type).toBe('histogram');
    expect(value(families, 'sluice_request_duration_seconds_count', { route: 'orders' })).toBe(8);
    expect(value(families, 'sluice_upstream_duration_seconds_count', { route: 'orders' })).toBe(5);
    expect(value(families, 'sluice_gateway_duration_seconds_count', { route: 'orders' })).toBe(8);
  });

  it('counts denials by deciding policy id and reason code', () => {
    expect(value(families, 'sluice_denials_total', { policy: 'route:orders:key-auth', code: 'auth.key_missing', route: 'orders' })).toBe(3);
    expect(value(families, 'sluice_denials_total', { policy: 'gateway', code: 'route.not_found' })).toBe(1);
  });

  it('logs the AI call with provider, model, attempts, tokens (cached, reasoning) and cost', async () => {
    const page = (await call(`${gw.admin}/logs?model=gpt-4o&provider=openai`)).json<{ items: { route: string; ai: unknown; credential: string }[] }>();
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ route: 'openai-api', credential: 'alice-key', ai: { provider: 'openai', model: 'gpt-4o', attempts: 1, tokens: { input: 8, output: 377, cached: 0, reasoning: 320 } } });
    expect((page.items[0]!.ai as { cost: number }).cost).toBeCloseTo(8 * 2.5e-6 + 377 * 10e-6, 10);
  });

  it('reports upstream health, tokens and cost by model, log-buffer drops and the config version', () => {
    expect(value(families, 'sluice_upstream_target_healthy', { service: 'svc', target: up.url })).toBe(1);
    expect(value(families, 'sluice_ai_tokens_total', { provider: 'openai', model: 'gpt-4o', type: 'input' })).toBe(8);
    expect(value(families, 'sluice_ai_tokens_total', { provider: 'openai', model: 'gpt-4o', type: 'output' })).toBe(377);
    expect(value(families, 'sluice_ai_tokens_total', { provider: 'openai', model: 'gpt-4o', type: 'reasoning' })).toBe(320);
    expect(value(families, 'sluice_ai_cost_usd_total', { provider: 'openai', model: 'gpt-4o' })).toBeCloseTo(8 * 2.5e-6 + 377 * 10e-6, 10);
    expect(value(families, 'sluice_log_records_dropped_total')).toBe(0);
    expect(value(families, 'sluice_log_buffer_capacity')).toBe(20_000);
    expect(value(families, 'sluice_config_version')).toBe(1);
    expect(value(families, 'sluice_config_info', { version: '1' })).toBe(1);
    expect(value(families, 'sluice_log_records_written_total')).toBe(10);
    expect(families.has('sluice_process_cpu_seconds_total')).toBe(true);
  });
});
