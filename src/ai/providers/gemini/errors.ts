import { kindForStatus, type ProviderError, type ProviderErrorKind } from '../../../core/llm/errors.js';
import type { ResponseHeaders } from '../contract.js';
import { buildError, classify } from '../shared/errors.js';
import { arr, bytesToText, isObj, num, obj, str, tryJson, type Obj } from '../shared/json.js';

/** Kinds of the canonical google.rpc codes (https://google.aip.dev/193). */
const BY_STATUS: Readonly<Record<string, ProviderErrorKind>> = {
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  UNAUTHENTICATED: 'auth',
  PERMISSION_DENIED: 'permission',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limit',
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
  INTERNAL: 'server',
  UNKNOWN: 'server',
  DATA_LOSS: 'server',
  ABORTED: 'server',
  CANCELLED: 'server',
};

/** ErrorInfo reasons that say the credential itself is bad, whatever the HTTP status (AI Studio answers 400). */
const AUTH_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_SERVICE_BLOCKED', 'ACCESS_TOKEN_EXPIRED', 'ACCESS_TOKEN_TYPE_UNSUPPORTED', 'CREDENTIALS_MISSING']);

/** `"34.4s"` (a google.protobuf.Duration in JSON) → milliseconds. */
export function durationMs(v: unknown): number | undefined {
  const s = str(v);
  const m = s ? /^(\d+(?:\.\d+)?)s$/.exec(s.trim()) : null;
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

function detail(details: readonly unknown[], type: string): Obj | undefined {
  for (const d of details) if (isObj(d) && str(d['@type'])?.endsWith(`google.rpc.${type}`)) return d;
  return undefined;
}

function kindOf(status: number, e: Obj, reason: string | undefined, message: string): ProviderErrorKind {
  if (reason !== undefined && AUTH_REASONS.has(reason)) return 'auth';
  const byStatus = BY_STATUS[str(e.status) ?? ''] ?? kindForStatus(status);
  if (byStatus === 'invalid_request') return classify(400, undefined, message);
  if (byStatus === 'rate_limit') {
    // A daily or billing quota will not come back after a short wait.
    const quota = detail(arr(e.details), 'QuotaFailure');
    const ids = arr(quota?.violations).map((v) => `${str(obj(v).quotaId) ?? ''} ${str(obj(v).quotaMetric) ?? ''}`).join(' ');
    if (/PerDay|per_day|billing/i.test(ids) || /billing|prepay|credits/i.test(message)) return 'quota';
  }
  return byStatus;
}

/** A google.rpc.Status object (`{code, message, status, details}`) → ProviderError. */
export function errorFromStatus(e: Obj, httpStatus: number, headers: ResponseHeaders, body: Uint8Array): ProviderError {
  const details = arr(e.details);
  const reason = str(detail(details, 'ErrorInfo')?.reason);
  const code = num(e.code);
  const status = httpStatus >= 400 ? httpStatus : code !== undefined && code >= 400 && code < 600 ? code : 500;
  const message = str(e.message) ?? `Google answered HTTP ${status}`;
  const retryAfterMs = durationMs(detail(details, 'RetryInfo')?.retryDelay);
  const providerCode = reason ?? str(e.status);
  return buildError(status, headers, body, {
    message,
    kind: kindOf(status, e, reason, message),
    ...(providerCode !== undefined ? { code: providerCode } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/**
 * Google API errors: `{"error": {google.rpc.Status}}`, the same wrapped in an array (the JSON-array
 * stream endpoint), or whatever a front end sends (HTML, nothing). Never throws.
 */
export function parseGoogleError(status: number, headers: ResponseHeaders, body: Uint8Array): ProviderError {
  let j = tryJson(bytesToText(body));
  if (Array.isArray(j)) j = j[0];
  if (!isObj(j) || !isObj(j.error)) return buildError(status, headers, body, {});
  return errorFromStatus(j.error, status, headers, body);
}
