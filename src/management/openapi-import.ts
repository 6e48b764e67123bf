import type { PolicyAttachmentConfig, UpstreamConfig } from '../config/schema.js';
import type { ApiDefinition, ApiRoute } from './definition.js';
import { ManagementError } from './errors.js';

/**
 * OpenAPI 3.0 / 3.1 → an API definition: one exact route per path (its operations' methods), and a
 * `request-validation` policy per route built from the operations' parameters and request bodies
 * (the policy's config is shaped like an OpenAPI Path Item on purpose). `servers[0]` gives the base
 * path and, when absolute, the upstream (as Kong's deck does). What the gateway cannot check is left
 * out and listed in `warnings`; the document itself is kept as the API's docs (portal, export).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** Header parameters OpenAPI says to ignore (they are described elsewhere in the document). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
const PARAM_KEYS = ['name', 'in', 'required', 'schema', 'explode', 'style', 'description', 'deprecated', 'allowEmptyValue', 'example', 'examples'];
const MEDIA_KEYS = ['schema', 'example', 'examples', 'encoding'];

export interface ImportOptions {
  readonly base_path?: string;
  readonly upstream?: UpstreamConfig;
  /** Build request-validation policies (default true). */
  readonly validation?: boolean;
  /** Added to the API's own policies (e.g. key-auth). */
  readonly policies?: readonly PolicyAttachmentConfig[];
}

export interface ImportResult {
  readonly definition: ApiDefinition;
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  readonly warnings: string[];
}

function refuse(path: string, message: string): never {
  throw new ManagementError('admin.invalid_request', `${path}: ${message}`, [{ path, message }]);
}

/** `{order-id}` → `order_id`: find-my-way parameter names end at `-` and `.`. */
export const safeParam = (name: string): string => name.replace(/[^A-Za-z0-9_]/g, '_');

/** `/orders/{id}` → `/orders/:id`. */
export function gatewayPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_m, n: string) => `:${safeParam(n)}`);
}

function slug(path: string): string {
  const s = path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
  return s.slice(0, 100) || 'root';
}

/** Resolves a local `#/components/<kind>/<name>` reference (parameters, requestBodies); refuses remote ones. */
function deref(doc: Obj, v: unknown, where: string): unknown {
  let cur = v;
  for (let hops = 0; isObj(cur) && typeof cur['$ref'] === 'string'; hops++) {
    const ref = cur['$ref'];
    if (hops > 20) refuse(where, `reference cycle at ${ref}`);
    if (!ref.startsWith('#/')) refuse(where, `remote reference ${JSON.stringify(ref)} is not supported; bundle the document first (e.g. \`redocly bundle\`)`);
    let target: unknown = doc;
    for (const part of ref.slice(2).split('/')) target = isObj(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    if (target === undefined) refuse(where, `reference ${JSON.stringify(ref)} points nowhere`);
    cur = target;
  }
  return cur;
}

/**
 * OpenAPI 3.0 schema → what the policy compiles: boolean `exclusiveMinimum`/`exclusiveMaximum`
 * become numbers (`nullable` is understood as is). Remote `$ref`s are refused.
 */
function convertSchema(s: unknown, v30: boolean, where: string): unknown {
  if (Array.isArray(s)) return s.map((x, i) => convertSchema(x, v30, `${where}[${i}]`));
  if (!isObj(s)) return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string' && !v.startsWith('#/')) refuse(where, `remote reference ${JSON.stringify(v)} is not supported; bundle the document first`);
    out[k] = convertSchema(v, v30, `${where}.${k}`);
  }
  if (v30) {
    const drop = new Set<string>();
    for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      if (typeof out[flag] !== 'boolean') continue;
      if (out[flag] && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        drop.add(bound);
      } else drop.add(flag);
    }
    if (drop.size) return Object.fromEntries(Object.entries(out).filter(([k]) => !drop.has(k)));
  }
  return out;
}

/** `#/components/schemas/X` names referenced (transitively) from `value`. */
function referencedSchemas(value: unknown, all: Obj, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const x of value) referencedSchemas(x, all, found);
  else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      const m = k === '$ref' && typeof v === 'string' ? /^#\/components\/schemas\/([^/]+)/.exec(v) : null;
      if (m) {
        const name = m[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
        if (!found.has(name)) {
          found.add(name);
          referencedSchemas(all[name], all, found);
        }
      } else referencedSchemas(v, all, found);
    }
  }
  return found;
}

interface Ctx {
  readonly doc: Obj;
  readonly v30: boolean;
  readonly warnings: string[];
}

function parameter(c: Ctx, raw: unknown, where: string, rename: Map<string, string>): Obj | undefined {
  const p = deref(c.doc, raw, where);
  if (!isObj(p) || typeof p['name'] !== 'string' || typeof p['in'] !== 'string') refuse(where, 'must be a Parameter Object with name and in');
  const name = p['name'];
  if (p['in'] === 'cookie') {
    c.warnings.push(`${where}: cookie parameter ${name} is not checked by the gateway`);
    return undefined;
  }
  if (p['in'] === 'header' && IGNORED_HEADERS.has(name.toLowerCase())) return undefined;
  if (p['schema'] === undefined) {
    c.warnings.push(`${where}: parameter ${name} has no schema (\`content\` is not supported); not checked`);
    return undefined;
  }
  const style = p['style'];
  if (style !== undefined && style !== 'form' && style !== 'simple') {
    c.warnings.push(`${where}: parameter ${name} has style ${JSON.stringify(style)}, which the gateway cannot parse; not checked`);
    return undefined;
  }
  const out: Obj = {};
  for (const k of PARAM_KEYS) if (p[k] !== undefined) out[k] = k === 'schema' ? convertSchema(p[k], c.v30, `${where}.schema`) : p[k];
  if (p['in'] === 'path') out['name'] = rename.get(name) ?? safeParam(name);
  return out;
}

function requestBody(c: Ctx, raw: unknown, where: string): Obj | undefined {
  const b = deref(c.doc, raw, where);
  if (!isObj(b) || !isObj(b['content'])) refuse(where, 'must be a Request Body Object with content');
  const content: Obj = {};
  for (const [type, media] of Object.entries(b['content'])) {
    const mt = deref(c.doc, media, `${where}.content.${type}`);
    const out: Obj = {};
    if (isObj(mt)) for (const k of MEDIA_KEYS) if (mt[k] !== undefined) out[k] = k === 'schema' ? convertSchema(mt[k], c.v30, `${where}.content.${type}.schema`) : mt[k];
    content[type] = out;
  }
  return { ...(b['required'] !== undefined ? { required: b['required'] } : {}), content, ...(typeof b['description'] === 'string' ? { description: b['description'] } : {}) };
}

/** The route for one Path Item, with its request-validation policy when there is anything to check. */
function route(c: Ctx, path: string, item: Obj, id: string, schemas: Obj, validation: boolean): ApiRoute | undefined {
  const where = `document.paths.${path}`;
  const rename = new Map<string, string>();
  for (const m of path.matchAll(/\{([^}]+)\}/g)) rename.set(m[1]!, safeParam(m[1]!));
  const methods = OPERATION_METHODS.filter((m) => isObj(item[m]));
  if (methods.length === 0) {
    c.warnings.push(`${where}: no operations; no route created`);
    return undefined;
  }
  const top = Array.isArray(item['parameters']) ? item['parameters'].map((p, i) => parameter(c, p, `${where}.parameters[${i}]`, rename)).filter((p) => p !== undefined) : [];
  const ops: Obj = {};
  for (const m of methods) {
    const op = item[m] as Obj;
    const params = Array.isArray(op['parameters']) ? op['parameters'].map((p, i) => parameter(c, p, `${where}.${m}.parameters[${i}]`, rename)).filter((p) => p !== undefined) : [];
    const body = op['requestBody'] !== undefined ? requestBody(c, op['requestBody'], `${where}.${m}.requestBody`) : undefined;
    if (params.length || body) ops[m.toUpperCase()] = { ...(params.length ? { parameters: params } : {}), ...(body ? { request_body: body } : {}) };
  }
  const config: Obj = { ...(top.length ? { parameters: top } : {}), ...(Object.keys(ops).length ? { methods: ops } : {}) };
  const policies: PolicyAttachmentConfig[] = [];
  if (validation && Object.keys(config).length > 0) {
    const used = referencedSchemas(config, schemas);
    if (used.size) config['components'] = { schemas: Object.fromEntries([...used].filter((n) => schemas[n] !== undefined).sort().map((n) => [n, schemas[n]])) };
    config['json_schema'] = c.v30 ? 'draft-07' : '2020-12';
    policies.push({ name: 'request-validation', config });
  }
  const summary = methods.map((m) => (item[m] as Obj)['summary']).find((s): s is string => typeof s === 'string');
  return {
    id,
    ...(summary ? { name: summary.slice(0, 200) } : {}),
    paths: [gatewayPath(path)],
    match: 'exact',
    methods: methods.map((m) => m.toUpperCase() as NonNullable<ApiRoute['methods']>[number]),
    ...(policies.length ? { policies } : {}),
  };
}

/** Where the API lives (`servers[0]`), with server variables at their defaults. */
function server(doc: Obj): { base?: string; origin?: string } {
  const servers = doc['servers'];
  const s: unknown = Array.isArray(servers) ? (servers as unknown[])[0] : undefined;
  if (!isObj(s) || typeof s['url'] !== 'string') return {};
  const vars: Obj = isObj(s['variables']) ? s['variables'] : {};
  const url = s['url'].replace(/\{([^}]+)\}/g, (_m, n: string) => {
    const v = vars[n];
    return isObj(v) && typeof v['default'] === 'string' ? v['default'] : '';
  });
  if (/^https?:\/\//i.test(url)) {
    const u = new URL(url);
    return { origin: u.origin, base: u.pathname.replace(/\/+$/, '') || '/' };
  }
  return url.startsWith('/') ? { base: url.replace(/\/+$/, '') || '/' } : {};
}

/** Parses and maps an OpenAPI document; refuses what it cannot read, naming the field. */
export function importOpenApi(raw: unknown, o: ImportOptions = {}): ImportResult {
  if (!isObj(raw)) refuse('document', 'must be an OpenAPI document (an object)');
  const version = raw['openapi'];
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) {
    refuse('document.openapi', raw['swagger'] !== undefined ? 'Swagger 2.0 is not supported; convert it to OpenAPI 3 first' : `must be "3.0.x" or "3.1.x" (got ${JSON.stringify(version)})`);
  }
  const c: Ctx = { doc: raw, v30: version.startsWith('3.0.'), warnings: [] };
  const paths = raw['paths'] ?? {};
  if (!isObj(paths)) refuse('document.paths', 'must be an object');
  const components = isObj(raw['components']) ? raw['components'] : {};
  const rawSchemas = isObj(components['schemas']) ? components['schemas'] : {};
  const schemas = Object.fromEntries(Object.entries(rawSchemas).map(([k, v]) => [k, convertSchema(v, c.v30, `document.components.schemas.${k}`)]));
  const routes: ApiRoute[] = [];
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith('/')) refuse(`document.paths.${path}`, 'must start with "/"');
    if (!isObj(item)) refuse(`document.paths.${path}`, 'must be a Path Item Object');
    if (typeof item['$ref'] === 'string') refuse(`document.paths.${path}.$ref`, 'Path Item references are not supported; bundle the document first');
    let id = slug(path);
    for (let n = 2; ids.has(id); n++) id = `${slug(path)}-${n}`;
    const r = route(c, path, item, id, schemas, o.validation ?? true);
    if (!r) continue;
    ids.add(id);
    routes.push(r);
  }
  const srv = server(raw);
  const info = isObj(raw['info']) ? raw['info'] : {};
  const upstream = o.upstream ?? (srv.origin ? { targets: [srv.origin] } : undefined);
  if (!upstream) refuse('upstream', 'is required: the document\'s servers[0] is not an absolute http(s) URL to forward to');
  const definition: ApiDefinition = {
    base_path: o.base_path ?? srv.base ?? '/',
    ...(upstream ? { upstream } : {}),
    routes,
    ...(o.policies?.length ? { policies: [...o.policies] } : {}),
    openapi: raw,
  };
  return {
    definition,
    ...(typeof info['title'] === 'string' ? { title: info['title'] } : {}),
    ...(typeof info['version'] === 'string' ? { version: info['version'] } : {}),
    ...(typeof info['description'] === 'string' ? { description: info['description'] } : {}),
    warnings: c.warnings,
  };
}
