import type { Kysely } from 'kysely';

/** A schema change that runs the same on SQLite and PostgreSQL (Kysely's schema builder). */
export interface Migration {
  readonly name: string;
  up(db: Kysely<unknown>): Promise<void>;
}
