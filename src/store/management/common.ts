import { randomBytes } from 'node:crypto';

/** A conditional write whose expected entity version is no longer current (412 in the admin API). */
export class StaleEntityError extends Error {
  constructor(readonly kind: string, readonly id: string, readonly expected: number, readonly actual: number) {
    super(`${kind} ${id} changed since version ${expected} (now ${actual})`);
    this.name = 'StaleEntityError';
  }
}

/** A write that would break a uniqueness rule (409 in the admin API). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** SQLite and PostgreSQL word it differently; both name the constraint kind. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && /unique|duplicate key|primary key/i.test(err.message);
}

/** Runs an insert; a unique violation becomes a ConflictError with `message`. */
export async function insertOrConflict<T>(message: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(message);
    throw err;
  }
}

/** Time-sortable id: `<prefix>_<ms base36, 9 chars><12 hex random>`. */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function parse(text: string | null): unknown {
  return text === null ? undefined : (JSON.parse(text) as unknown);
}

/** One page of a list: items in id order, and the cursor of the next page when there is one. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

export interface PageQuery {
  readonly limit?: number;
  /** Cursor returned as `next` by the previous page (the last id seen). */
  readonly after?: string;
}

export const MAX_PAGE = 500;

export function pageLimit(q: PageQuery): number {
  return Math.min(Math.max(q.limit ?? 50, 1), MAX_PAGE);
}

/** Rows were fetched with limit+1: trims the extra row and derives the cursor. */
export function toPage<R, T>(rows: R[], limit: number, id: (r: R) => string, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), ...(more && kept.length ? { next: id(kept[kept.length - 1]!) } : {}) };
}
