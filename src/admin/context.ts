import type { Logger } from 'pino';
import type { ReasonTable } from '../core/reasons.js';
import type { ConfigRegistry } from '../config/registry.js';
import type { ConfigDocument } from '../config/schema.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Store } from '../store/store.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { ConfigSource } from '../app/config-source.js';
import type { DocumentLayer } from '../app/runtime.js';

export interface ApplyOutcome {
  readonly version: number;
  readonly hash: string;
  readonly changed: boolean;
}

/** What admin resources may use; the running app implements it. */
export interface AdminHost {
  readonly log: Logger;
  readonly store: Store;
  readonly gateway: Gateway;
  /** Call logs, analytics, metrics (absent when the host runs without telemetry). */
  readonly telemetry?: Telemetry;
  readonly source: ConfigSource;
  readonly assembly: { readonly registry: ConfigRegistry; readonly reasons: ReasonTable };
  readonly options: { readonly adminToken?: string; readonly adminAuth?: 'required' | 'local'; readonly adminHost?: string };
  reload(): Promise<ApplyOutcome>;
  applyDocument(document: unknown, o?: { expectedVersion?: number; author?: string; message?: string }): Promise<ApplyOutcome>;
  validateDocument(document: unknown): { hash: string };
  currentDocument(): { document: ConfigDocument; version: number; hash: string };
  /** Installs the management plane's document layer (store mode). */
  setDocumentLayer?(layer: DocumentLayer): void;
}
