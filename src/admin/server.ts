import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { ConfigError } from '../config/field-errors.js';
import { pointerToPath } from '../config/field-errors.js';
import { ManagementError } from '../management/errors.js';
import { managementFor } from '../management/plane.js';
import { ConflictError, StaleEntityError } from '../store/management/index.js';
import { StaleVersionError } from '../store/store.js';
import { ANY, authenticateRequest } from './auth.js';
import type { AdminHost } from './context.js';
import { AdminError, sendProblem } from './problem.js';
import { collectOpenApi, type OpenApiCollector } from './openapi.js';
import { ADMIN_ROUTES } from './routes.js';

export interface AdminServer {
  readonly app: FastifyInstance;
  /** The OpenAPI 3.1 document of every route (also served at GET /openapi.json). */
  openapi(): Record<string, unknown>;
  listen(port: number, host: string): Promise<{ port: number; host: string }>;
  close(): Promise<void>;
}

interface ValidationItem {
  readonly keyword?: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

/** Ajv errors → one error per field: `x: must be one of "a", "b"` instead of one line per alternative. */
function fieldErrors(items: readonly ValidationItem[], base: string): { path: string; message: string }[] {
  const out = new Map<string, { messages: string[]; allowed: unknown[]; anyOf: boolean }>();
  for (const v of items) {
    const extra = v.params?.['additionalProperty'];
    const missing = v.params?.['missingProperty'];
    const field = typeof extra === 'string' ? extra : typeof missing === 'string' ? missing : undefined;
    const path = pointerToPath(v.instancePath + (field !== undefined ? `/${field}` : ''), base);
    const e = out.get(path) ?? { messages: [], allowed: [], anyOf: false };
    out.set(path, e);
    if (v.keyword === 'const') e.allowed.push(v.params?.['allowedValue']);
    else if (v.keyword === 'anyOf') e.anyOf = true;
    const message = typeof extra === 'string' ? 'unknown field' : typeof missing === 'string' ? 'is required' : v.message ?? 'invalid';
    if (v.keyword !== 'const' && v.keyword !== 'anyOf' && !e.messages.includes(message)) e.messages.push(message);
  }
  return [...out].flatMap(([path, e]) => {
    if (e.allowed.length && e.messages.length === 0) return [{ path, message: `must be one of ${e.allowed.map((a) => JSON.stringify(a)).join(', ')}` }];
    if (e.messages.length === 0) return [{ path, message: e.anyOf ? 'does not match any allowed form' : 'invalid' }];
    return e.messages.map((message) => ({ path, message }));
  });
}

/** The admin API (Fastify): JSON over REST, problem+json errors, OpenAPI served from the route schemas. */
export async function createAdminServer(host: AdminHost): Promise<AdminServer> {
  const app = Fastify({
    logger: false,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: 16 * 1024 * 1024,
    ajv: { customOptions: { strict: false, removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
  });
  const reasons = host.assembly.reasons;
  const openapi: OpenApiCollector = collectOpenApi(app);
  // Users, sessions, API tokens, the bootstrap token and the local operator (src/admin/auth.ts).
  const plane = managementFor(host);
  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
    await authenticateRequest(plane, req);
  });

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof AdminError) return sendProblem(reasons, req, reply, err);
    if (err instanceof ManagementError) return sendProblem(reasons, req, reply, new AdminError(err.code, err.detail, err.errors, err.headers ? { ...err.headers } : undefined));
    if (err instanceof StaleEntityError) {
      const kind = err.kind === 'api' ? 'API' : err.kind;
      return sendProblem(reasons, req, reply, new AdminError('admin.precondition_failed', `The ${kind} ${err.id} changed since revision ${err.expected}; it is now ${err.actual}. Read it again and retry.`, undefined, { etag: `"${err.actual}"` }));
    }
    if (err instanceof ConflictError) return sendProblem(reasons, req, reply, new AdminError('admin.conflict', `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`));
    if (err instanceof ConfigError) return sendProblem(reasons, req, reply, new AdminError('admin.invalid_config', 'The config was refused; nothing changed.', err.errors));
    if (err instanceof StaleVersionError) {
      return sendProblem(reasons, req, reply, new AdminError('admin.precondition_failed', `The config changed since version ${err.expected}; the current version is ${err.actual}.`, undefined, { etag: `"${err.actual}"` }));
    }
    const fe = err as FastifyError & { validation?: ValidationItem[]; validationContext?: string };
    if (fe.validation) return sendProblem(reasons, req, reply, new AdminError('admin.invalid_request', 'The request does not match the endpoint schema.', fieldErrors(fe.validation, fe.validationContext ?? '')));
    if (fe.statusCode && fe.statusCode < 500) return sendProblem(reasons, req, reply, new AdminError('admin.invalid_request', fe.message));
    host.log.error({ err, request_id: req.id }, 'admin API error');
    return sendProblem(reasons, req, reply, new AdminError('admin.internal_error', `Internal error (request id ${req.id}).`));
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reasons, req, reply, new AdminError('admin.not_found', `No admin endpoint ${req.method} ${req.url.split('?')[0] ?? ''}.`)));

  for (const routes of ADMIN_ROUTES) await app.register(routes(host));
  app.get('/openapi.json', { schema: { hide: true }, config: ANY }, () => openapi.document());
  await app.ready();

  return {
    app,
    openapi: () => openapi.document(),
    async listen(port, hostName) {
      await app.listen({ port, host: hostName });
      const addr = app.server.address();
      return { port: typeof addr === 'object' && addr ? addr.port : port, host: hostName };
    },
    close: () => app.close(),
  };
}
