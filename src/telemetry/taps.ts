import type { GatewayRequestContext } from '../gateway/request-context.js';
import type { BodyTap, RequestTaps } from '../gateway/taps.js';
import { BodyCapture } from './bodies/capture.js';
import { ownerOf, type DimensionTable } from './dimensions.js';
import type { BodyRuleSettings, TelemetrySettings } from './settings.js';
import { formatTraceparent, startContext, type TraceContext } from './tracing/context.js';

/**
 * The data-plane hooks of telemetry. A hook is present only while its feature is configured, so
 * with tracing and body capture off the data plane finds nothing to call.
 */
export class TelemetryTaps implements RequestTaps {
  begin: RequestTaps['begin'];
  bodyTap: RequestTaps['bodyTap'];
  traceparent: RequestTaps['traceparent'];

  update(s: TelemetrySettings, dims: DimensionTable | undefined): void {
    const tracing = s.enabled && s.tracing.enabled;
    const ratio = s.tracing.sampleRatio;
    this.begin = tracing
      ? (ctx: GatewayRequestContext) => ctx.annotate('trace_context', startContext(ctx.headers['traceparent'], ratio))
      : undefined;
    this.traceparent = tracing
      ? (ctx: GatewayRequestContext) => {
          const tc = ctx.annotations?.['trace_context'] as TraceContext | undefined;
          return tc ? formatTraceparent(tc) : undefined;
        }
      : undefined;
    this.bodyTap = s.enabled && s.bodies.length > 0 ? bodySelector(s, dims) : undefined;
  }
}

function bodySelector(s: TelemetrySettings, dims: DimensionTable | undefined): NonNullable<RequestTaps['bodyTap']> {
  const byRoute = new Map<string, BodyRuleSettings>();
  const byService = new Map<string, BodyRuleSettings>();
  const byApi = new Map<string, BodyRuleSettings>();
  // The first rule naming something wins (as written in the config).
  for (const b of s.bodies) {
    for (const r of b.routes ?? []) if (!byRoute.has(r)) byRoute.set(r, b.rule);
    for (const v of b.services ?? []) if (!byService.has(v)) byService.set(v, b.rule);
    for (const a of b.apis ?? []) if (!byApi.has(a)) byApi.set(a, b.rule);
  }
  return (ctx, routeId, serviceId): BodyTap | undefined => {
    let rule = byRoute.get(routeId) ?? byService.get(serviceId);
    if (!rule && byApi.size > 0) {
      const api = ownerOf(dims, routeId, serviceId).api;
      if (api !== undefined) rule = byApi.get(api);
    }
    if (!rule || (!rule.request && !rule.response) || rule.maxBytes === 0) return undefined;
    const capture = new BodyCapture(rule.maxBytes, rule.request, rule.response);
    ctx.annotate('bodies', capture);
    return capture;
  };
}
