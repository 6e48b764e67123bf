import type { FastifyPluginAsync } from 'fastify';
import { configRoutes } from './config/routes.js';
import type { AdminHost } from './context.js';
import { simulateRoutes } from './simulate/routes.js';
import { statusRoutes } from './status/routes.js';
import { traceRoutes } from './traces/routes.js';
import { aiRoutes } from './ai/routes.js';

/** Admin resources, one folder each. Feature areas add one line here. */
export const ADMIN_ROUTES: readonly ((host: AdminHost) => FastifyPluginAsync)[] = [statusRoutes, configRoutes, traceRoutes, simulateRoutes, aiRoutes];
