import pino from 'pino';
import { assemble, type Assembly } from '../app/registry.js';
import type { AdminHost } from './context.js';
import { createAdminServer } from './server.js';

/**
 * The admin API's OpenAPI document without a running Sluice (for docs/admin-api.md): the routes are
 * registered against a host that is never called — registration only reads schemas.
 */
export async function adminOpenApiDocument(assembly: Assembly = assemble()): Promise<Record<string, unknown>> {
  const host = { log: pino({ level: 'silent' }), assembly, options: {}, source: { kind: 'store' }, store: { management: {} } } as unknown as AdminHost;
  const server = await createAdminServer(host);
  try {
    return server.openapi();
  } finally {
    await server.close();
  }
}
