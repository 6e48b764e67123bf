import { createHash } from 'node:crypto';
import type { RequestTrace } from '../../core/trace.js';
import { call } from '../gateway.js';

/** `sha256:<hex>` of a Sluice API key, for key-auth credentials in test configs. */
export const keyHash = (key: string): string => `sha256:${createHash('sha256').update(key).digest('hex')}`;

/** A consumer with one key-auth credential. */
export function consumer(id: string, key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, credentials: [{ id: `${id}-key`, type: 'key-auth', key_hash: keyHash(key) }], ...extra };
}

/**
 * The finished trace of a request from the admin API. A streamed response reaches the client a moment
 * before the gateway records its trace, so this polls briefly.
 */
export async function traceOf(admin: string, requestId: string | null | undefined): Promise<RequestTrace & { annotations?: { ai?: Record<string, unknown> } }> {
  if (!requestId) throw new Error('no request id');
  for (let i = 0; i < 50; i++) {
    const r = await call(`${admin}/traces/${requestId}`);
    if (r.status === 200) return r.json();
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`no trace for ${requestId}`);
}

/** The `step: upstream` attempt lines of a trace (allowed and failed attempts, in order). */
export function attemptsOf(t: RequestTrace): { outcome: string; code?: string; data?: Record<string, unknown> }[] {
  return t.entries.filter((e) => e.step === 'upstream' && (e.code === 'ai.attempt_failed' || e.outcome === 'allow'));
}
