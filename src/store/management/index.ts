import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { ApisRepo } from './apis.js';
import { AuditRepo } from './audit.js';
import { ConsumersRepo } from './consumers.js';
import { SubscriptionsRepo } from './subscriptions.js';
import { TeamsRepo } from './teams.js';
import { UsersRepo } from './users.js';
import { WebhooksRepo } from './webhooks.js';
import { writeTransaction } from './write-transaction.js';

/**
 * The management tables over one connection or one transaction. `transaction` runs `fn` with
 * repositories bound to a transaction: every write in it commits or none does.
 */
export class ManagementTables {
  readonly teams: TeamsRepo;
  readonly users: UsersRepo;
  readonly apis: ApisRepo;
  readonly consumers: ConsumersRepo;
  readonly subscriptions: SubscriptionsRepo;
  readonly audit: AuditRepo;
  readonly webhooks: WebhooksRepo;

  constructor(readonly db: Kysely<Database>) {
    this.teams = new TeamsRepo(db);
    this.users = new UsersRepo(db);
    this.apis = new ApisRepo(db);
    this.consumers = new ConsumersRepo(db);
    this.subscriptions = new SubscriptionsRepo(db);
    this.audit = new AuditRepo(db);
    this.webhooks = new WebhooksRepo(db);
  }

  transaction<T>(fn: (tx: ManagementTables) => Promise<T>): Promise<T> {
    return writeTransaction(this.db, (trx) => fn(new ManagementTables(trx)));
  }

  async getMeta(key: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db.insertInto('meta').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
  }

  async deleteMeta(key: string): Promise<void> {
    await this.db.deleteFrom('meta').where('key', '=', key).execute();
  }
}

export { ConflictError, StaleEntityError, newId, type Page, type PageQuery } from './common.js';
export { writeTransaction } from './write-transaction.js';
export type { ApiRecord, ApiRelease, ApiPatch, ApiQuery } from './apis.js';
export type { AuditEntry, AuditInput, AuditQuery } from './audit.js';
export type { ConsumerRecord, CredentialRecord, ConsumerQuery } from './consumers.js';
export type { SubscriptionRecord, SubscriptionQuery } from './subscriptions.js';
export type { Team, Membership } from './teams.js';
export type { User, AdminToken, AdminSession, UserPatch } from './users.js';
export type { WebhookRecord } from './webhooks.js';
