import { defineReasons } from '../core/reasons.js';

/** Admin API codes of call logs, analytics and metrics. */
export const TELEMETRY_REASONS = defineReasons([
  {
    code: 'telemetry.unavailable',
    status: 503,
    title: 'Telemetry unavailable',
    description: 'Call logs, analytics and metrics are answered by the telemetry worker, which is not running right now (it restarts by itself after a crash; `Retry-After` says when to try again), or this Sluice was started without telemetry. Requests are still served; records are counted as dropped meanwhile.',
  },
]);
