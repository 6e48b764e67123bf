import { defineReasons } from '../core/reasons.js';

/**
 * Reason codes of the AI routes. Upstream failures say they were the upstream (`ai.upstream_*`), so a
 * client (and the operator reading `sluice explain`) can tell a provider outage from a gateway denial.
 */
export const AI_REASONS = defineReasons([
  { code: 'ai.invalid_request', status: 400, title: 'Invalid AI request', description: 'The body is not valid JSON or misses a field the API requires (e.g. `model`, `messages`). Nothing was sent upstream; the detail names the field.' },
  { code: 'ai.unsupported', status: 400, title: 'Not supported by the provider', description: 'The request uses a feature the selected provider cannot express (e.g. embeddings on a chat-only provider, token-array input). Nothing was sent upstream.' },
  { code: 'model.not_found', status: 404, title: 'Model not found', description: 'The requested model is neither a configured model name nor an alias exposed by this AI service. `GET /v1/models` lists the models the caller may use.' },
  { code: 'ai.upstream_rejected', status: 400, title: 'The provider rejected the request', description: 'The provider answered with a client error (400, 404, 413, 422…) that a retry elsewhere would not fix: its status and message are passed on, in the inbound API\'s error shape.' },
  { code: 'ai.upstream_rate_limited', status: 429, title: 'The provider is rate limiting', description: 'Every eligible provider key or target answered 429 (or is cooling down after one) and no fallback succeeded. `Retry-After` says when the first key is usable again.' },
  { code: 'ai.upstream_auth_failed', status: 502, title: 'The provider refused every key', description: 'The provider answered 401/403 to the gateway\'s provider keys. Those keys were taken out of rotation and reported (`sluice explain`, logs, admin status); the operator must replace them. Not the caller\'s credential.' },
  { code: 'ai.upstream_failed', status: 502, title: 'The provider failed', description: 'The provider answered 5xx, reset the connection or sent an unreadable response, on every attempt and fallback allowed. The decision trace lists each attempt.' },
  { code: 'ai.upstream_timeout', status: 504, title: 'The provider timed out', description: 'An attempt exceeded its per-attempt or time-to-first-token timeout and no other attempt succeeded, or the overall deadline of the request passed.' },
  { code: 'ai.no_target', status: 503, title: 'No provider target available', description: 'Every target of the model (and of its fallbacks) has an open circuit breaker or no usable key (disabled after 401, cooling down after 429). `Retry-After` says when one may be tried again.' },
  { code: 'ai.stream_failed', status: 502, title: 'The provider stream failed', description: 'The provider failed after the response had started (an error event after HTTP 200, a truncated or malformed stream). The client got an error event in its API\'s stream format, then the stream closed.' },
  { code: 'ai.attempt_failed', status: 502, title: 'Provider attempt failed', description: 'Trace only: one upstream attempt failed (status, timeout or connection error) and the router moved on (retry, another key, or a fallback).' },
  { code: 'ai.key_disabled', status: 200, title: 'Provider key disabled', description: 'Trace only: the provider answered 401 to a provider key, which is taken out of rotation until the config is reloaded with a new key. Logged at error level and shown in the admin status.' },
  { code: 'ai.key_cooldown', status: 200, title: 'Provider key cooling down', description: 'Trace only: the provider answered 429 to a provider key, which is not used again until its `retry-after` (or the configured cool-down) has passed.' },
  { code: 'ai.circuit_open', status: 200, title: 'Target circuit open', description: 'Trace only: a target was skipped because its circuit breaker is open after consecutive failures; one trial request is let through after the cool-down.' },
]);

export type AiReasonCode = (typeof AI_REASONS)[number]['code'];
