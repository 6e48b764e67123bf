import type { GatewayRequestContext } from './request-context.js';

/** A bounded tee of the bytes of one proxied exchange (request body sent, response body received). */
export interface BodyTap {
  request(chunk: Uint8Array): void;
  response(chunk: Uint8Array): void;
}

/**
 * Optional per-request hooks for telemetry (tracing, body capture). The data plane only checks
 * whether a hook is there: with none configured, a request pays nothing for them.
 */
export interface RequestTaps {
  /** The request context exists (e.g. read an incoming W3C traceparent). */
  begin?(ctx: GatewayRequestContext): void;
  /** A request is about to be proxied: a tee of its bodies, or undefined for none. */
  bodyTap?(ctx: GatewayRequestContext, routeId: string, serviceId: string): BodyTap | undefined;
  /** The traceparent sent upstream instead of the client's; undefined forwards headers untouched. */
  traceparent?(ctx: GatewayRequestContext): string | undefined;
}
