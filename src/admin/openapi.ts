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
      for (const [code, sch] of Object.entries(schema.response ?? { 200: {} })) {
        const desc = (sch as { description?: string }).description ?? 'OK';
        responses[code] = { description: desc, content: { 'application/json': { schema: clean(sch) } } };
      }
      responses['default'] = { description: 'Error (problem+json)', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
      (paths[path] ??= {})[method.toLowerCase()] = {
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
      info: { title: 'Sluice admin API', version: '1', description: 'Manage the gateway: config, traces, simulation. Errors are RFC 9457 problem+json with a stable `code`.' },
      paths,
      components: {
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
  }
}
