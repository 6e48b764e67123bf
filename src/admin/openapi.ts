import type { FastifyInstance, RouteOptions } from 'fastify';

export interface OpenApiCollector {
  document(): Record<string, unknown>;
}

interface RouteSchema {
  hide?: boolean;
  summary?: string;
  description?: string;
  tags?: string[];
  body?: unknown;
  querystring?: { properties?: Record<string, unknown>; required?: string[] };
  params?: { properties?: Record<string, unknown>; required?: string[] };
  headers?: { properties?: Record<string, unknown>; required?: string[] };
  response?: Record<string, unknown>;
  returns?: Record<string, unknown>;
}

/** Strips TypeBox's symbol keys and our `errorMessage` hint so the document is plain JSON Schema. */
function clean(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema, (k, v: unknown) => (k === 'errorMessage' ? undefined : v))) as unknown;
}

/**
 * OpenAPI 3.1 generated from the route schemas the admin API validates with — one source for both,
 * so the document cannot drift from the behaviour.
 */
export function collectOpenApi(app: FastifyInstance): OpenApiCollector {
  const paths: Record<string, Record<string, unknown>> = {};
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = (route.schema ?? {}) as RouteSchema;
    if (schema.hide) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const method of methods) {
      const parameters: unknown[] = [];
      const add = (where: string, s: RouteSchema['querystring']) => {
        for (const [name, sch] of Object.entries(s?.properties ?? {})) {
          parameters.push({ name, in: where, required: where === 'path' || (s?.required ?? []).includes(name), schema: clean(sch) });
        }
      };
      add('path', schema.params);
      add('query', schema.querystring);
      add('header', schema.headers);
      const responses: Record<string, unknown> = {};
      for (const [code, sch] of Object.entries(schema.returns ?? schema.response ?? { 200: {} })) {
        const desc = (sch as { description?: string }).description ?? (code === '201' ? 'Created' : code === '204' ? 'No content' : 'OK');
        responses[code] = code === '204' ? { description: desc } : { description: desc, content: { 'application/json': { schema: clean(sch) } } };
      }
      responses['default'] = { description: 'Error (problem+json)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
      const access = (route.config as { access?: string } | undefined)?.access;
      (paths[path] ??= {})[method.toLowerCase()] = {
        'x-sluice-access': access === 'read' ? 'global-viewer' : access ?? (method === 'GET' ? 'global-viewer' : 'global-admin'),
        summary: schema.summary,
        description: schema.description,
        tags: schema.tags,
        parameters: parameters.length ? parameters : undefined,
        requestBody: schema.body ? { required: true, content: { 'application/json': { schema: clean(schema.body) } } } : undefined,
        responses,
      };
    }
  });
  return {
    document: () => ({
      openapi: '3.1.0',
      info: {
        title: 'Sluice admin API',
        version: '1',
        description: 'Manage the gateway (config, traces, simulation) and the API management plane (teams, users, APIs and releases, consumers, subscriptions, audit log, developer portal). Errors are RFC 9457 problem+json with a stable `code`. Entities carry a `revision`, also their ETag: send it back in `If-Match` to write (412 when stale).',
      },
      paths,
      security: [{ bearer: [] }, { session: [] }, {}],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`sluice_pat_…`, POST /auth/tokens) or the bootstrap token (SLUICE_ADMIN_TOKEN).' },
          session: { type: 'apiKey', in: 'cookie', name: 'sluice_session', description: 'Console session (POST /auth/login); writes also need the `X-CSRF-Token` header.' },
        },
        schemas: {
          Problem: {
            type: 'object',
            required: ['type', 'title', 'status', 'code', 'request_id'],
            properties: {
              type: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'integer' },
              detail: { type: 'string' },
              code: { type: 'string' },
              request_id: { type: 'string' },
              errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
            },
          },
        },
      },
    }),
  };
}

declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: string[];
    hide?: boolean;
    /** Documented answers (OpenAPI only; unlike `response`, they do not filter what is sent). */
    returns?: Record<string, unknown>;
  }
}
