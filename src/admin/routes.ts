import type { FastifyPluginAsync } from 'fastify';
import { configRoutes } from './config/routes.js';
import type { AdminHost } from './context.js';
import { simulateRoutes } from './simulate/routes.js';
import { statusRoutes } from './status/routes.js';
import { traceRoutes } from './traces/routes.js';
import { aiRoutes } from './ai/routes.js';
import { analyticsRoutes } from './analytics/routes.js';
import { logRoutes } from './logs/routes.js';
import { metricsRoutes } from './metrics/routes.js';
import { accountRoutes } from './account/routes.js';
import { userRoutes } from './users/routes.js';
import { teamRoutes } from './teams/routes.js';
import { apiRoutes } from './apis/routes.js';
import { consumerRoutes } from './consumers/routes.js';
import { subscriptionRoutes } from './subscriptions/routes.js';
import { webhookRoutes } from './webhooks/routes.js';
import { auditRoutes } from './audit/routes.js';
import { portalRoutes } from './portal/routes.js';
import { stateRoutes } from './state/routes.js';

/** Admin resources, one folder each. Feature areas add one line here. */
export const ADMIN_ROUTES: readonly ((host: AdminHost) => FastifyPluginAsync)[] = [statusRoutes, configRoutes, traceRoutes, simulateRoutes, aiRoutes, logRoutes, analyticsRoutes, metricsRoutes, accountRoutes, userRoutes, teamRoutes, apiRoutes, consumerRoutes, subscriptionRoutes, webhookRoutes, auditRoutes, portalRoutes, stateRoutes];
