/**
 * A reason code explains one outcome. Codes are stable (`area.reason`), documented in docs/errors.md,
 * and a test fails when the docs and this table disagree.
 */
export interface ReasonDefinition {
  /** Stable code, `area.reason` (lowercase, dots and underscores). */
  readonly code: string;
  /** HTTP status the client gets when this reason denies a request. */
  readonly status: number;
  /** Short, client-safe title (the problem+json `title`). */
  readonly title: string;
  /** What it means and what to do about it: shown in docs and by `sluice explain`. */
  readonly description: string;
}

export const REASON_CODE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** Identity helper that keeps literal types and checks the shape at definition time. */
export function defineReasons<const T extends readonly ReasonDefinition[]>(reasons: T): T {
  for (const r of reasons) {
    if (!REASON_CODE_PATTERN.test(r.code)) throw new Error(`reason code "${r.code}" is not of the form area.reason`);
    if (r.status < 100 || r.status > 599) throw new Error(`reason code "${r.code}" has invalid status ${r.status}`);
  }
  return reasons;
}

/** Reasons the gateway itself produces (routing, request framing, upstream, internal). */
export const GATEWAY_REASONS = defineReasons([
  { code: 'route.not_found', status: 404, title: 'No route matches this request', description: 'No configured route matches the method, host, path and headers of the request. Check the route table (`sluice config export`) or simulate the request.' },
  { code: 'route.method_not_allowed', status: 405, title: 'Method not allowed on this route', description: 'A route matches the path, but not the method. The `Allow` header lists the methods that do match.' },
  { code: 'request.malformed', status: 400, title: 'Malformed request', description: 'The request could not be parsed as HTTP (bad request line, header or framing). Nothing was forwarded.' },
  { code: 'request.invalid_path', status: 400, title: 'Invalid request path', description: 'The path contains dot segments (`/../`, `/./`, or their percent-encoded forms), a NUL byte, or does not start with `/`. Sluice refuses such paths instead of guessing how the upstream would normalize them.' },
  { code: 'request.headers_too_large', status: 431, title: 'Request headers too large', description: 'The request headers exceed the listener limit.' },
  { code: 'request.timeout', status: 408, title: 'Request timeout', description: 'The client did not send the complete request in time.' },
  { code: 'request.body_too_large', status: 413, title: 'Request body too large', description: 'A policy needed to read the request body and it was larger than the bound it may buffer.' },
  { code: 'request.body_aborted', status: 400, title: 'Request body incomplete', description: 'The client closed the connection or sent a malformed body while a policy was reading it.' },
  { code: 'request.client_closed', status: 499, title: 'Client closed the request', description: 'The client went away before the response was complete; the upstream request was aborted. Seen in traces and logs only (nginx calls it 499).' },
  { code: 'upstream.retry', status: 502, title: 'Upstream attempt retried', description: 'Trace only: an attempt failed in a way that is safe to retry (connect failure, or a retryable status on an idempotent request), and another attempt followed.' },
  { code: 'upstream.connect_failed', status: 502, title: 'Upstream connection failed', description: 'The gateway could not open a connection to the upstream target (refused, unreachable, DNS or TLS failure).' },
  { code: 'upstream.reset', status: 502, title: 'Upstream closed the connection', description: 'The upstream reset or closed the connection before sending a complete response.' },
  { code: 'upstream.bad_response', status: 502, title: 'Upstream sent an invalid response', description: 'The upstream answered with something that is not valid HTTP.' },
  { code: 'upstream.connect_timeout', status: 504, title: 'Upstream connect timeout', description: 'The upstream did not accept a connection within the service connect timeout.' },
  { code: 'upstream.timeout', status: 504, title: 'Upstream timeout', description: 'The upstream did not send its response headers within the first-byte timeout, or the whole exchange exceeded the total timeout.' },
  { code: 'upstream.unavailable', status: 503, title: 'No healthy upstream target', description: 'Every target of the service is marked unhealthy by active or passive health checks.' },
  { code: 'gateway.internal_error', status: 500, title: 'Internal gateway error', description: 'A bug in the gateway or a policy. The request id leads to the log line with the details; please report it.' },
  { code: 'gateway.shutting_down', status: 503, title: 'Gateway is shutting down', description: 'The gateway is draining connections before stopping. Retry on another instance.' },
  { code: 'policy.error', status: 500, title: 'Policy failed', description: 'A policy threw instead of deciding. The request was refused (fail closed); the trace names the policy.' },
  { code: 'policy.overridden', status: 200, title: 'Policy overridden', description: 'Trace only: a more specific policy with the same name (service, route or consumer scope) replaced this one.' },
  { code: 'policy.disabled', status: 200, title: 'Policy disabled', description: 'Trace only: the policy is attached with `enabled: false`, which also switches off same-named policies of broader scopes.' },
  { code: 'policy.unavailable', status: 503, title: 'A policy dependency is unavailable', description: 'A policy could not reach a dependency it needs (e.g. Redis, a JWKS or introspection endpoint) and is configured to fail closed.' },
]);

export type GatewayReasonCode = (typeof GATEWAY_REASONS)[number]['code'];

/** A lookup table built once from every reason list (gateway, policies, AI, admin). */
export class ReasonTable {
  private readonly byCode = new Map<string, ReasonDefinition>();

  constructor(groups: Iterable<readonly ReasonDefinition[]>) {
    for (const group of groups) for (const r of group) this.add(r);
  }

  add(r: ReasonDefinition): void {
    const existing = this.byCode.get(r.code);
    if (existing && (existing.status !== r.status || existing.title !== r.title)) {
      throw new Error(`reason code "${r.code}" is defined twice with different status or title`);
    }
    this.byCode.set(r.code, r);
  }

  get(code: string): ReasonDefinition | undefined {
    return this.byCode.get(code);
  }

  require(code: string): ReasonDefinition {
    const r = this.byCode.get(code);
    if (!r) throw new Error(`unknown reason code "${code}" (add it to a reason table and to docs/errors.md)`);
    return r;
  }

  all(): ReasonDefinition[] {
    return [...this.byCode.values()].sort((a, b) => a.code.localeCompare(b.code));
  }
}
