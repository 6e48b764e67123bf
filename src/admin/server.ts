import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { ConfigError } from '../config/field-errors.js';
import { pointerToPath } from '../config/field-errors.js';
import { StaleVersionError } from '../store/store.js';
import type { AdminHost } from './context.js';
import { AdminError, sendProblem } from './problem.js';
import { collectOpenApi, type OpenApiCollector } from './openapi.js';
import { ADMIN_ROUTES } from './routes.js';

export interface AdminServer {
  readonly app: FastifyInstance;
  listen(port: number, host: string): Promise<{ port: number; host: string }>;
  close(): Promise<void>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
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

  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
    const token = host.options.adminToken;
    if (!token) return;
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    // Compare digests: constant time whatever the lengths.
    if (!timingSafeEqual(digest(given), digest(token))) {
      throw new AdminError('admin.unauthorized', 'Send the admin token as "Authorization: Bearer <token>".', undefined, { 'www-authenticate': 'Bearer realm="sluice-admin"' });
    }
  });

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof AdminError) return sendProblem(reasons, req, reply, err);
    if (err instanceof ConfigError) return sendProblem(reasons, req, reply, new AdminError('admin.invalid_config', 'The config was refused; nothing changed.', err.errors));
    if (err instanceof StaleVersionError) {
      return sendProblem(reasons, req, reply, new AdminError('admin.precondition_failed', `The config changed since version ${err.expected}; the current version is ${err.actual}.`, undefined, { etag: `"${err.actual}"` }));
    }
    const fe = err as FastifyError & { validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string };
    if (fe.validation) {
      const errors = fe.validation.map((v) => {
        const extra = v.params?.['additionalProperty'];
        const path = pointerToPath(v.instancePath + (typeof extra === 'string' ? `/${extra}` : ''), fe.validationContext ?? '');
        return { path, message: typeof extra === 'string' ? 'unknown field' : v.message ?? 'invalid' };
      });
      return sendProblem(reasons, req, reply, new AdminError('admin.invalid_request', 'The request does not match the endpoint schema.', errors));
    }
    if (fe.statusCode && fe.statusCode < 500) return sendProblem(reasons, req, reply, new AdminError('admin.invalid_request', fe.message));
    host.log.error({ err, request_id: req.id }, 'admin API error');
    return sendProblem(reasons, req, reply, new AdminError('admin.internal_error', `Internal error (request id ${req.id}).`));
  });
  app.setNotFoundHandler((req, reply) => sendProblem(reasons, req, reply, new AdminError('admin.not_found', `No admin endpoint ${req.method} ${req.url.split('?')[0] ?? ''}.`)));

  for (const routes of ADMIN_ROUTES) await app.register(routes(host));
  app.get('/openapi.json', { schema: { hide: true } }, () => openapi.document());
  await app.ready();

  return {
    app,
    async listen(port, hostName) {
      await app.listen({ port, host: hostName });
      const addr = app.server.address();
      return { port: typeof addr === 'object' && addr ? addr.port : port, host: hostName };
    },
    close: () => app.close(),
  };
}
