import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { request } from 'undici';
import type { ManagementTables, WebhookRecord } from '../store/management/index.js';

/** A state change worth telling teams about (subscription decided, API deprecated…). */
export interface ManagementEvent {
  /** `subscription.requested`, `subscription.approved`, `api.published`, … */
  readonly type: string;
  /** Teams whose webhooks receive it (the API's team and the consumer's team). */
  readonly teams: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
}

export function matches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('*') && type.startsWith(p.slice(0, -1))));
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe-style, replay-bounded by t). */
export function signature(secret: string, body: string, at: number): string {
  const t = Math.floor(at / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

const RETRY_DELAYS = [500, 2000, 8000];

/**
 * Posts events to the teams' webhooks after the write committed. Delivery is at-least-once with a
 * few retries, bounded in time; the outcome of the last attempt is kept on the webhook.
 */
export class WebhookDispatcher {
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly tables: ManagementTables, private readonly log: Logger) {}

  dispatch(events: readonly ManagementEvent[]): void {
    if (events.length === 0 || this.closed) return;
    const p = this.deliverAll(events).catch((err: unknown) => this.log.warn({ err }, 'webhook dispatch failed'));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async deliverAll(events: readonly ManagementEvent[]): Promise<void> {
    const teams = [...new Set(events.flatMap((e) => e.teams))];
    const hooks = (await this.tables.webhooks.list(teams)).filter((h) => h.active);
    await Promise.all(events.flatMap((e) => hooks.filter((h) => e.teams.includes(h.teamId) && matches(h.events, e.type)).map((h) => this.deliverNow(h, e))));
  }

  /** Delivers one event to one webhook (retrying), and records the outcome on it. */
  async deliverNow(h: WebhookRecord, e: ManagementEvent, retries = RETRY_DELAYS.length): Promise<{ status: number | null; error?: string }> {
    const at = Date.now();
    const id = randomUUID();
    const body = JSON.stringify({ id, type: e.type, created_at: new Date(at).toISOString(), team: h.teamId, data: e.data });
    let status: number | null = null;
    let error: string | undefined;
    for (let attempt = 0; attempt <= retries && !this.closed; attempt++) {
      try {
        const r = await request(h.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'sluice-webhooks', 'x-sluice-event': e.type, 'x-sluice-delivery': id, 'x-sluice-signature': signature(h.secret, body, at) },
          body,
          headersTimeout: 5000,
          bodyTimeout: 5000,
        });
        await r.body.dump();
        status = r.statusCode;
        error = undefined;
        if (status < 500 && status !== 429) break;
      } catch (err) {
        error = (err as { code?: string }).code ?? (err as Error).message;
      }
      const delay = attempt < retries ? RETRY_DELAYS[attempt] : undefined;
      if (delay !== undefined) await new Promise((r) => setTimeout(r, delay).unref());
    }
    await this.tables.webhooks.recordDelivery(h.id, { at, event: e.type, status, ...(error ? { error } : {}) }).catch(() => undefined);
    if (status === null || status >= 300) this.log.warn({ webhook: h.id, event: e.type, status, error }, 'webhook delivery failed');
    return { status, ...(error ? { error } : {}) };
  }

  /** Waits (bounded) for deliveries in flight; stops retrying. */
  async close(ms = 2000): Promise<void> {
    this.closed = true;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, ms).unref())]);
  }
}
