import type { PolicyLogger } from '../core/policy.js';
import { GoogleTokenSources } from './keys/google-token.js';
import { KeyHealth } from './keys/key-pool.js';
import { CircuitBreaker } from './routing/breaker.js';
import { StateRegistry } from './state-registry.js';
import { ProviderPools } from './upstream/pools.js';

/** A notable change of a key or target, kept for the admin status and logs. */
export interface AiEvent {
  readonly at: string;
  readonly kind: 'key_disabled' | 'key_cooldown' | 'circuit_open';
  readonly provider: string;
  readonly key?: string;
  readonly model?: string;
  readonly detail: string;
  readonly requestId?: string;
}

const EVENT_RING = 200;

/**
 * State of the AI gateway that outlives config versions: provider connection pools, circuit
 * breakers per target, the health of each provider key (a key disabled after a 401 stays out
 * while the config keeps the same secret) and the OAuth tokens minted from service-account keys
 * (a reload keeps them). One per running gateway, provided as service `ai`.
 */
export class AiRuntime {
  readonly pools = new ProviderPools();
  readonly googleTokens = new GoogleTokenSources();
  private readonly breakers = new StateRegistry(() => new CircuitBreaker());
  private readonly keys = new StateRegistry(() => new KeyHealth());
  private readonly ring: AiEvent[] = [];
  private warming: Promise<void> | undefined;

  /** `warmUp` loads what requests may need later (the tokenizer); absent for `config validate`. */
  constructor(
    readonly log?: PolicyLogger,
    private readonly warmUp?: () => Promise<void>,
  ) {}

  /**
   * An ai service was compiled: start the token counter's worker once (when the service may count
   * tokens), so the first request that needs an estimate does not wait for the tokenizer to load.
   */
  serviceCompiled(estimatesUsage: boolean): void {
    if (!estimatesUsage || this.warming || !this.warmUp) return;
    this.warming = this.warmUp().catch((err: unknown) => {
      this.warming = undefined;
      this.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'AI token counter could not be loaded ahead of need; it is loaded on first use');
    });
  }

  breaker(provider: string, model: string): CircuitBreaker {
    return this.breakers.get(`${provider}\u0000${model}`);
  }

  /** `fingerprint` identifies the secret (a hash): a new secret under the same key id starts healthy. */
  keyHealth(provider: string, keyId: string, fingerprint: string): KeyHealth {
    return this.keys.get(`${provider}\u0000${keyId}\u0000${fingerprint}`);
  }

  event(e: Omit<AiEvent, 'at'>): void {
    const full = { at: new Date().toISOString(), ...e };
    this.ring.push(full);
    if (this.ring.length > EVENT_RING) this.ring.shift();
    const line = { ai_event: e.kind, provider: e.provider, key: e.key, model: e.model, request_id: e.requestId };
    if (e.kind === 'key_disabled') this.log?.error(line, `AI provider key disabled: ${e.detail}`);
    else this.log?.warn(line, e.detail);
  }

  events(): readonly AiEvent[] {
    return this.ring;
  }

  async close(): Promise<void> {
    await this.pools.close();
  }
}
