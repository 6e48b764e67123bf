import type { ApiRecord } from '../store/management/index.js';
import { deprecationOf, type ApiDefinition, type ApiRoute } from './definition.js';
import { joinBase } from './compose.js';
import { OPERATION_METHODS } from './openapi-import.js';

/**
 * An API definition → an OpenAPI 3.1 document: paths and methods from the routes, parameters and
 * request bodies from their request-validation policies (what the gateway enforces is what the
 * document says), documentation (info, summaries, responses, tags) from the imported document when
 * there is one. Servers: the API's base path on the gateway.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** OpenAPI 3.0 / draft-07 style → 3.1: `nullable: true` becomes a `null` type. */
function to31(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(to31);
  if (!isObj(s)) return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) if (k !== 'nullable') out[k] = to31(v);
  if (s['nullable'] === true) {
    const t = out['type'];
    if (typeof t === 'string') out['type'] = [t, 'null'];
    else if (Array.isArray(t) && !t.includes('null')) out['type'] = [...(t as unknown[]), 'null'];
    else if (t === undefined) return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

/** `/orders/:id` → `/orders/{id}`; a trailing wildcard becomes a `{path}` parameter. */
function openApiPath(p: string): { path: string; wildcard: boolean } {
  const wildcard = p.endsWith('*');
  const base = (wildcard ? p.slice(0, -1) : p).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  return { path: wildcard ? `${base.replace(/\/$/, '')}/{path}` : base, wildcard };
}

/** `/orders/{id}` and `/orders/{order-id}` are the same template. */
const template = (p: string) => p.replace(/\{[^}]+\}/g, '{}');

function storedOperations(stored: Obj | undefined, base: string): Map<string, Obj> {
  const out = new Map<string, Obj>();
  const paths = isObj(stored?.['paths']) ? (stored['paths']) : {};
  for (const [p, item] of Object.entries(paths)) {
    if (!isObj(item)) continue;
    for (const m of OPERATION_METHODS) {
      const op = item[m];
      if (isObj(op)) {
        out.set(`${m} ${template(p)}`, op);
        out.set(`${m} ${template(joinBase(base, p))}`, op);
      }
    }
  }
  return out;
}

interface Validation {
  parameters?: Obj[];
  request_body?: Obj;
  methods?: Record<string, { parameters?: Obj[]; request_body?: Obj }>;
  components?: { schemas?: Obj };
  json_schema?: string;
}

function validationOf(r: ApiRoute): Validation | undefined {
  const p = r.policies?.find((x) => x.name === 'request-validation' && x.enabled !== false);
  return p?.config;
}

const cleanParam = (p: Obj, v30: boolean): Obj => (v30 ? { ...p, ...(p['schema'] !== undefined ? { schema: to31(p['schema']) } : {}) } : p);

function body(b: Obj, v30: boolean): Obj {
  const content: Obj = {};
  for (const [t, m] of Object.entries(isObj(b['content']) ? b['content'] : {})) content[t] = isObj(m) && v30 && m['schema'] !== undefined ? { ...m, schema: to31(m['schema']) } : m;
  return { ...b, content };
}

/** The OpenAPI 3.1 document of one definition (a release snapshot or the draft). */
export function exportOpenApi(api: ApiRecord, def: ApiDefinition, o: { release?: number } = {}): Obj {
  const stored = isObj(def.openapi) ? def.openapi : undefined;
  const ops = storedOperations(stored, def.base_path);
  const dep = deprecationOf(api);
  const deprecated = api.state === 'deprecated' || api.state === 'retired';
  const paths: Obj = {};
  const schemas: Obj = { ...(isObj(stored?.['components']) && isObj((stored['components'])['schemas']) ? ((stored['components'])['schemas']) : {}) };
  for (const r of def.routes) {
    const v = validationOf(r);
    const v30 = v?.json_schema === 'draft-07';
    for (const [name, s] of Object.entries(v?.components?.schemas ?? {})) schemas[name] = v30 ? to31(s) : s;
    const methods = (r.methods ?? ['GET', 'PUT', 'POST', 'DELETE', 'PATCH']).map((m) => m.toLowerCase()).filter((m) => (OPERATION_METHODS as readonly string[]).includes(m));
    for (const raw of r.paths) {
      const { path, wildcard } = openApiPath(raw);
      const item: Obj = (paths[path] as Obj | undefined) ?? {};
      if (v?.parameters?.length) item['parameters'] = v.parameters.map((p) => cleanParam(p, v30));
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const m of methods) {
        const doc = ops.get(`${m} ${template(path)}`) ?? ops.get(`${m} ${template(joinBase(def.base_path, path))}`);
        const own = v?.methods?.[m.toUpperCase()];
        const params = (own?.parameters ?? []).map((p) => cleanParam(p, v30));
        const declared = new Set([...(v?.parameters ?? []), ...params].filter((p) => p['in'] === 'path').map((p) => String(p['name'])));
        // Every path template variable must be declared (OpenAPI rule); undeclared ones are plain strings.
        for (const n of pathParams) if (!declared.has(n)) params.push({ name: n, in: 'path', required: true, schema: { type: 'string' }, ...(wildcard && n === 'path' ? { description: 'The rest of the path (prefix route).' } : {}) });
        const rb = own?.request_body ?? (m === 'get' || m === 'head' || m === 'delete' ? undefined : v?.request_body);
        item[m] = {
          ...(doc?.['operationId'] !== undefined ? { operationId: doc['operationId'] } : {}),
          ...(doc?.['summary'] !== undefined ? { summary: doc['summary'] } : r.name ? { summary: r.name } : {}),
          ...(doc?.['description'] !== undefined ? { description: doc['description'] } : {}),
          ...(doc?.['tags'] !== undefined ? { tags: doc['tags'] } : {}),
          ...(params.length ? { parameters: params } : {}),
          ...(rb ? { requestBody: body(rb, v30) } : {}),
          responses: isObj(doc?.['responses']) ? doc['responses'] : { default: { description: 'The upstream\'s answer.' } },
          ...(deprecated || doc?.['deprecated'] === true ? { deprecated: true } : {}),
          'x-sluice-route': `${api.id}.${r.id}`,
        };
      }
      paths[path] = item;
    }
  }
  const info = isObj(stored?.['info']) ? { ...(stored['info']) } : {};
  const components: Obj = { ...(isObj(stored?.['components']) ? (stored['components']) : {}) };
  if (Object.keys(schemas).length) components['schemas'] = schemas;
  else delete components['schemas'];
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      title: info['title'] ?? api.name,
      version: info['version'] ?? api.versionLabel ?? (o.release !== undefined ? `release ${o.release}` : 'draft'),
      ...(api.description && info['description'] === undefined ? { description: api.description } : {}),
      'x-sluice-api': api.id,
      'x-sluice-state': api.state,
      ...(o.release !== undefined ? { 'x-sluice-release': o.release } : {}),
      ...(dep?.sunset_at ? { 'x-sluice-sunset': dep.sunset_at } : {}),
    },
    servers: [{ url: def.base_path, description: 'This API on the Sluice gateway.' }],
    paths,
    ...(Object.keys(components).length ? { components } : {}),
  };
}
