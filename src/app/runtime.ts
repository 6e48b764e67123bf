import { join } from 'node:path';
import type { Server } from 'node:http';
import pino, { type Logger } from 'pino';
import type { RequestTrace } from '../core/trace.js';
import { ConfigError } from '../config/field-errors.js';
import { configHash, resolveConfig } from '../config/resolve.js';
import type { ConfigDocument } from '../config/schema.js';
import { createAdminServer } from '../admin/server.js';
import { Gateway } from '../gateway/gateway.js';
import { managementFor, type ManagementPlane } from '../management/plane.js';
import { createProxyServer, drain, listen } from '../gateway/listener.js';
import { Store, StaleVersionError } from '../store/store.js';
import { BatchWriter } from '../telemetry/batch-writer.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { readConfigFile, readStoredConfig, type ConfigSource } from './config-source.js';
import type { SluiceModule } from './module.js';
import { assemble, setUpModules, type Assembly } from './registry.js';

export interface StartOptions {
  readonly configFile?: string;
  readonly port: number;
  readonly host: string;
  readonly adminPort: number;
  readonly adminHost: string;
  readonly dataDir: string;
  /** `postgres://…`; default: SQLite file under dataDir. */
  readonly storeUrl?: string;
  readonly storeSchema?: string;
  readonly redisUrl?: string;
  readonly logLevel?: string;
  /** Bearer token accepted by the admin API as a built-in owner (automation, bootstrap). */
  readonly adminToken?: string;
  /**
   * `required`: every admin request needs a session or token. `local`: anonymous requests from the
   * admin host itself (loopback peer and Host) act as the local operator. Default: `local` on a
   * loopback listener without an admin token, `required` otherwise.
   */
  readonly adminAuth?: 'required' | 'local';
  /** Poll the store for config changes made by other instances (ms; 0 = off). */
  readonly pollMs?: number;
  readonly logger?: Logger;
  /** The modules to run (default: every module of this build, src/app/modules.ts). For embedding and tests. */
  readonly modules?: readonly SluiceModule[];
  /** Where SLUICE_ADMIN_EMAIL / SLUICE_ADMIN_PASSWORD (the first admin) are read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** What the first start did about admin users (printed once by `sluice start`; never logged). */
export interface FirstAdmin {
  /** Email of the owner created from SLUICE_ADMIN_EMAIL / SLUICE_ADMIN_PASSWORD. */
  readonly created?: string;
  /** One-time setup token (24 h) to create the first owner with `POST /auth/setup`. */
  readonly setupToken?: string;
}

/**
 * Completes every document written in store mode before it is validated, e.g. the management plane
 * adds the services, routes and consumers it derives from its own tables. `compose` is synchronous
 * (it uses what `refresh` last loaded); `refresh` runs before each write.
 */
export interface DocumentLayer {
  compose(document: unknown): unknown;
  refresh?(): Promise<void>;
}

export interface ApplyResult {
  readonly version: number;
  readonly hash: string;
  readonly changed: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** A running Sluice: store, gateway, proxy and admin listeners, config source. */
export class Sluice {
  private closing: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private layer: DocumentLayer | undefined;
  /** Call logs, analytics, metrics, tracing (src/telemetry). */
  telemetry: Telemetry | undefined;
  /** Teams, users, APIs, consumers, subscriptions (src/management); its document layer is installed. */
  management: ManagementPlane | undefined;
  /** Set on a first start (no admin user yet). */
  firstAdmin: FirstAdmin = {};
  proxyAddress = { port: 0, host: '' };
  adminAddress = { port: 0, host: '' };

  private constructor(
    readonly options: StartOptions,
    readonly assembly: Assembly,
    readonly log: Logger,
    readonly store: Store,
    readonly gateway: Gateway,
    readonly source: ConfigSource,
    private readonly traceWriter: BatchWriter<RequestTrace>,
    private proxyServer: Server | undefined,
    private adminServer: { close(): Promise<void> } | undefined,
  ) {}

  static async start(o: StartOptions): Promise<Sluice> {
    const log = o.logger ?? pino({ level: o.logLevel ?? 'info', redact: ['*.authorization', '*.apiKey', '*.api_key', '*.password', '*.secret'] });
    if (!LOOPBACK.has(o.adminHost) && (o.adminAuth === 'local' || (!o.adminToken && o.adminAuth !== 'required'))) {
      throw new Error(`the admin listener would be reachable on ${o.adminHost}: set SLUICE_ADMIN_TOKEN (or --admin-token) or --admin-auth required (admin users and API tokens), or keep --admin-host on loopback`);
    }
    const assembly = assemble(o.modules);
    const { services, cleanups } = await setUpModules(assembly, { log, redisUrl: o.redisUrl });
    const store = await Store.open({ url: o.storeUrl ?? join(o.dataDir, 'sluice.db'), schema: o.storeSchema });
    const traceWriter = new BatchWriter<RequestTrace>({ name: 'denied-traces', log, write: (t) => store.traces.saveMany(t) });
    const telemetry = await Telemetry.start({ storeUrl: o.storeUrl ?? join(o.dataDir, 'sluice.db'), storeSchema: o.storeSchema, log });
    const gateway = new Gateway({ registry: assembly.registry, reasons: assembly.reasons, dialects: assembly.dialects, log, services, traceSink: (t) => traceWriter.push(t), onRequest: telemetry.onRequest, taps: telemetry.taps });
    const source: ConfigSource = o.configFile ? { kind: 'file', path: o.configFile } : { kind: 'store' };
    const app = new Sluice(o, assembly, log, store, gateway, source, traceWriter, undefined, undefined);
    app.cleanups.push(...cleanups);
    app.telemetry = telemetry;
    try {
      await app.loadInitialConfig();
      // The management plane completes every stored document with its APIs and consumers (and in
      // store mode brings the data plane up to date with its tables) before anything is served.
      const management = managementFor(app);
      app.management = management;
      await management.start();
      app.firstAdmin = await management.auth.bootstrap(o.env ?? process.env);
      telemetry.attach(gateway);
      const proxy = createProxyServer(gateway, { port: o.port, host: o.host });
      app.proxyServer = proxy;
      app.proxyAddress = await listen(proxy, o.port, o.host);
      const admin = await createAdminServer(app);
      app.adminServer = admin;
      app.adminAddress = await admin.listen(o.adminPort, o.adminHost);
    } catch (err) {
      await app.close();
      throw err;
    }
    if (source.kind === 'store' && (o.pollMs ?? (store.dialect === 'postgres' ? 2000 : 0)) > 0) app.startPolling(o.pollMs ?? 2000);
    log.info(
      { proxy: `${app.proxyAddress.host}:${app.proxyAddress.port}`, admin: `${app.adminAddress.host}:${app.adminAddress.port}`, store: store.connection.describe, config: source.kind === 'file' ? source.path : 'store' },
      'sluice started',
    );
    return app;
  }

  private async loadInitialConfig(): Promise<void> {
    if (this.source.kind === 'file') {
      const doc = await readConfigFile(this.source.path);
      this.gateway.apply(resolveConfig(doc, this.assembly.registry), 1);
      return;
    }
    const { document, version } = await readStoredConfig(this.store);
    this.gateway.apply(resolveConfig(document, this.assembly.registry), version);
  }

  /** File mode: re-read the file; a new version only when the content changed. */
  async reload(): Promise<ApplyResult> {
    if (this.source.kind !== 'file') {
      const { document, version } = await readStoredConfig(this.store);
      const cur = this.gateway.current();
      if (version === cur.version) return { version, hash: cur.hash, changed: false };
      const snap = this.gateway.apply(resolveConfig(document, this.assembly.registry), version);
      return { version: snap.version, hash: snap.hash, changed: true };
    }
    const doc = await readConfigFile(this.source.path);
    const resolved = resolveConfig(doc, this.assembly.registry);
    const cur = this.gateway.current();
    if (resolved.hash === cur.hash) return { version: cur.version, hash: cur.hash, changed: false };
    const snap = this.gateway.apply(resolved, cur.version + 1);
    return { version: snap.version, hash: snap.hash, changed: true };
  }

  /** Installs the layer every document written in store mode passes through (at most one). */
  setDocumentLayer(layer: DocumentLayer): void {
    this.layer = layer;
  }

  /**
   * Store mode: validate, compile, save (conditionally on `expectedVersion`), then swap in.
   * Nothing is saved when the config is invalid; nothing is swapped when the save is stale.
   */
  async applyDocument(document: unknown, o: { expectedVersion?: number; author?: string; message?: string } = {}): Promise<ApplyResult> {
    if (this.source.kind === 'file') throw new FileManagedError();
    if (this.layer) {
      await this.layer.refresh?.();
      document = this.layer.compose(document);
    }
    const resolved = resolveConfig(document, this.assembly.registry);
    const cur = this.gateway.current();
    if (resolved.hash === cur.hash && (o.expectedVersion === undefined || o.expectedVersion === cur.version)) {
      return { version: cur.version, hash: cur.hash, changed: false };
    }
    const prepared = this.gateway.prepare(resolved, cur.version + 1);
    try {
      const saved = await this.store.configs.save(resolved.document, resolved.hash, o);
      if (saved.version !== prepared.version) {
        this.gateway.discard(prepared);
        const snap = this.gateway.apply(resolved, saved.version);
        return { version: snap.version, hash: snap.hash, changed: true };
      }
    } catch (err) {
      this.gateway.discard(prepared);
      throw err;
    }
    this.gateway.activate(prepared);
    return { version: prepared.version, hash: prepared.hash, changed: true };
  }

  /** Checks a document without saving or applying it. */
  validateDocument(document: unknown): { hash: string } {
    const resolved = resolveConfig(this.layer && this.source.kind === 'store' ? this.layer.compose(document) : document, this.assembly.registry);
    const snap = this.gateway.prepare(resolved, -1);
    this.gateway.discard(snap);
    return { hash: resolved.hash };
  }

  currentDocument(): { document: ConfigDocument; version: number; hash: string } {
    const s = this.gateway.current();
    return { document: s.resolved.document, version: s.version, hash: s.hash };
  }

  private startPolling(ms: number): void {
    this.pollTimer = setInterval(() => {
      this.reload().catch((err: unknown) => this.log.error({ err }, 'config poll failed'));
    }, ms);
    this.pollTimer.unref();
  }

  /** Graceful stop: drain the proxy, flush traces, close the store. Idempotent. */
  close(graceMs = 10_000): Promise<void> {
    this.closing ??= (async () => {
      if (this.pollTimer) clearInterval(this.pollTimer);
      if (this.proxyServer?.listening) await drain(this.proxyServer, () => this.gateway.inflight(), graceMs);
      await this.adminServer?.close();
      await this.management?.close();
      await this.gateway.close();
      await this.traceWriter.close();
      await this.telemetry?.close();
      for (const c of this.cleanups) await c();
      await this.store.close();
    })();
    return this.closing;
  }
}

export class FileManagedError extends Error {
  constructor() {
    super('config is managed by a file');
  }
}

export { ConfigError, StaleVersionError, configHash };
