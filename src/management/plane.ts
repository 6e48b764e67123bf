import type { AdminHost } from '../admin/context.js';
import { ConfigError } from '../config/field-errors.js';
import { ConfigVersions } from '../store/config-versions.js';
import { StaleVersionError } from '../store/store.js';
import type { ManagementTables } from '../store/management/index.js';
import { auditEntry, type Actor, type AuditDraft } from './audit.js';
import { AdminAuth } from './auth.js';
import { composeDocument, EMPTY_PARTS, generateParts, loadEntities, loadParts, stripManaged, translateErrors, type Entities, type GeneratedParts } from './compose.js';
import { ManagementError } from './errors.js';
import { WebhookDispatcher, type ManagementEvent } from './webhooks.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** What a write may do inside its transaction. */
export interface WriteContext {
  readonly tx: ManagementTables;
  readonly actor: Actor;
  readonly audit: (d: AuditDraft) => void;
  readonly emit: (e: ManagementEvent) => void;
}

export interface WriteOptions {
  /** The write changes what the gateway serves: validate before commit, recompile after. */
  readonly dataPlane: boolean;
  /** Config version message, e.g. `api.publish orders-v1`. */
  readonly message: string;
  /** Replaces the operator's part of the config document in the same write (`config apply`). */
  readonly document?: unknown;
}

/**
 * The management plane of one running Sluice. Its entities live in their own tables; the data plane
 * sees them only through the config document, which this plane completes (document layer) with
 * generated services, routes, consumers and policies. Every write: one transaction (entities + audit
 * entries), validated against the composed document before commit, then exactly one recompile.
 */
export class ManagementPlane {
  readonly tables: ManagementTables;
  readonly auth: AdminAuth;
  readonly webhooks: WebhookDispatcher;
  private parts: GeneratedParts = EMPTY_PARTS;
  /** Parts being validated inside a write (the layer composes with them meanwhile; synchronous). */
  private trial: GeneratedParts | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private started: Promise<void> | undefined;

  constructor(readonly host: AdminHost) {
    this.tables = host.store.management;
    const mode = host.options.adminAuth ?? (host.options.adminToken || !LOOPBACK.has(host.options.adminHost ?? '127.0.0.1') ? 'required' : 'local');
    this.auth = new AdminAuth(this.tables, host.log.child({ component: 'admin-auth' }), { mode, ...(host.options.adminToken ? { bootstrapToken: host.options.adminToken } : {}) });
    this.webhooks = new WebhookDispatcher(this.tables, host.log.child({ component: 'webhooks' }));
  }

  get storeMode(): boolean {
    return this.host.source.kind === 'store';
  }

  /** APIs, consumers and subscriptions feed the data plane: only manageable in store mode. */
  requireStoreMode(): void {
    if (!this.storeMode) {
      throw new ManagementError('admin.config_file_managed', 'Sluice runs from a config file (declarative mode): APIs, consumers and subscriptions are read-only here. Start without --config to manage them through the API.');
    }
  }

  /** Installs the document layer, creates the first admin, and brings the data plane up to date. */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.host.setDocumentLayer?.({
        compose: (doc) => composeDocument(doc, this.trial ?? this.parts),
        refresh: async () => {
          this.parts = await loadParts(this.tables);
        },
      });
      this.parts = await loadParts(this.tables);
      if (this.storeMode) await this.syncDataPlane({ principal: { kind: 'local', name: 'startup', teams: new Map() } }, 'management sync at startup');
    })();
    return this.started;
  }

  /** Recomposes the latest stored document with the current entities; a new version only when it changed. */
  async syncDataPlane(actor: Actor, message: string, document?: unknown): Promise<{ version: number; changed: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const latest = await this.host.store.configs.latest();
      try {
        const r = await this.host.applyDocument(stripManaged(document ?? latest?.document ?? {}), { expectedVersion: latest?.version ?? 0, author: actor.principal.name, message });
        return { version: r.version, changed: r.changed };
      } catch (err) {
        if (err instanceof StaleVersionError && attempt < 3) continue;
        throw err;
      }
    }
  }

  /**
   * The one write path. `fn` changes entities through `ctx.tx` and records audit entries; when the
   * data plane is affected, the composed document is validated (and compiled) before the commit, so
   * an entity change that would break the gateway is refused whole with the fields named.
   */
  write<T>(actor: Actor, o: WriteOptions, fn: (ctx: WriteContext) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (o.dataPlane) this.requireStoreMode();
      const events: ManagementEvent[] = [];
      const result = await this.tables.transaction(async (tx) => {
        const audits: AuditDraft[] = [];
        const ctx: WriteContext = { tx, actor, audit: (d) => audits.push(d), emit: (e) => events.push(e) };
        const r = await fn(ctx);
        for (const d of audits) await tx.audit.insert(auditEntry(actor, d));
        if (o.dataPlane) await this.validate(tx, undefined, o.document);
        return r;
      });
      if (o.dataPlane) {
        try {
          await this.syncDataPlane(actor, o.message, o.document);
        } catch (err) {
          this.host.log.error({ err, message: o.message }, 'management change committed but the gateway did not take it; it will be retried on the next change or restart');
          throw err;
        }
      }
      this.webhooks.dispatch(events);
      return result;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** The operator's part of the latest stored document (generated items removed). */
  async baseDocument(tables: ManagementTables = this.tables) {
    const latest = await new ConfigVersions(tables.db).latest();
    return stripManaged(latest?.document ?? {});
  }

  /**
   * Validates (and compiles, then discards) the document the transaction's state would produce;
   * `adjust` can change the entities first (a draft checked as if it were published).
   */
  async validate(tx: ManagementTables, adjust?: (e: Entities) => Entities, document?: unknown): Promise<void> {
    const entities = await loadEntities(tx);
    const parts = generateParts(adjust ? adjust(entities) : entities);
    const base = document !== undefined ? stripManaged(document) : await this.baseDocument(tx);
    this.trial = parts;
    try {
      this.host.validateDocument(base);
    } catch (err) {
      if (err instanceof ConfigError) {
        const errors = translateErrors(err.errors, composeDocument(base, parts), parts);
        throw new ManagementError('admin.invalid_config', 'The change would make the gateway config invalid; nothing changed.', errors);
      }
      throw err;
    } finally {
      this.trial = undefined;
    }
  }

  async close(): Promise<void> {
    await this.webhooks.close();
  }
}

const planes = new WeakMap<AdminHost, ManagementPlane>();

/** The management plane of a running Sluice (one per host, created on first use). */
export function managementFor(host: AdminHost): ManagementPlane {
  let p = planes.get(host);
  if (!p) {
    p = new ManagementPlane(host);
    planes.set(host, p);
  }
  return p;
}
