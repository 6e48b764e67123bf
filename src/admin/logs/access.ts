import type { FastifyRequest } from 'fastify';
import { parseDuration } from '../../core/duration.js';
import type { Telemetry } from '../../telemetry/telemetry.js';
import { TelemetryUnavailableError, WorkerCallError } from '../../telemetry/worker/client.js';
import { visibleTeams as callerTeams } from '../auth.js';
import type { AdminHost } from '../context.js';
import { AdminError } from '../problem.js';

/**
 * Teams whose call logs and analytics the caller may read; undefined = every team (a global role).
 * THE one place logs and analytics ask (the admin auth layer resolved the caller). Records without
 * a team are seen only by callers with a global role.
 */
export function visibleTeams(req: FastifyRequest): readonly string[] | undefined {
  return callerTeams(req);
}

/** The `teams` restriction of a query, refusing a `team` filter outside what the caller may see (404, as elsewhere). */
export function teamScope(req: FastifyRequest, team: string | undefined): { teams?: readonly string[] } {
  const teams = visibleTeams(req);
  if (!teams) return {};
  if (team !== undefined && !teams.includes(team)) throw new AdminError('admin.not_found', `No team ${team} (or it is not visible to you).`);
  return { teams };
}

export function telemetryOf(host: AdminHost): Telemetry {
  if (!host.telemetry) throw new AdminError('telemetry.unavailable', 'This Sluice runs without telemetry: call logs, analytics and metrics are off.');
  return host.telemetry;
}

/** Worker failures as admin answers: a bad cursor names its field; a worker that is down is a 503. */
export async function ask<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof TelemetryUnavailableError) throw new AdminError('telemetry.unavailable', `${err.message}; try again in a few seconds.`, undefined, { 'retry-after': '5' });
    if (err instanceof WorkerCallError && err.remoteName === 'InvalidCursorError') {
      throw new AdminError('admin.invalid_request', 'The cursor is not one this endpoint returned (or belongs to the other order).', [{ path: 'querystring.cursor', message: err.message }]);
    }
    throw err;
  }
}

const DIGITS = /^\d{1,16}$/;

/**
 * A point in time from a query parameter: an ISO 8601 time, epoch milliseconds, or a duration
 * (`15m`, `24h`, `7d`) meaning that long ago.
 */
export function parseTime(field: string, v: string | undefined, now: number): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (DIGITS.test(v)) return Number(v);
  const ago = parseDuration(v);
  if (ago !== undefined) return now - ago;
  const t = Date.parse(v);
  if (Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}/.test(v)) return t;
  throw new AdminError('admin.invalid_request', `${field} must be an ISO 8601 time, epoch milliseconds or a duration ago such as 15m, 24h, 7d.`, [{ path: `querystring.${field}`, message: `not a time: ${JSON.stringify(v)}` }]);
}

/** `403`, `4xx`, `500-599` → an inclusive range. */
export function parseStatus(v: string | undefined): { statusMin?: number; statusMax?: number } {
  if (v === undefined || v === '') return {};
  let m = /^([1-5])xx$/i.exec(v);
  if (m) return { statusMin: Number(m[1]) * 100, statusMax: Number(m[1]) * 100 + 99 };
  m = /^(\d{3})(?:-(\d{3}))?$/.exec(v);
  if (m && Number(m[1]) <= Number(m[2] ?? m[1])) return { statusMin: Number(m[1]), statusMax: Number(m[2] ?? m[1]) };
  throw new AdminError('admin.invalid_request', 'status must be a code (403), a class (4xx) or a range (500-599).', [{ path: 'querystring.status', message: `not a status: ${JSON.stringify(v)}` }]);
}

/** A time range [from, to) with defaults; refuses an empty or reversed one. */
export function timeRange(q: { from?: string; to?: string }, now: number, defaultSpan: number): { from: number; to: number } {
  const to = parseTime('to', q.to, now) ?? now;
  const from = parseTime('from', q.from, now) ?? to - defaultSpan;
  if (from >= to) throw new AdminError('admin.invalid_request', 'from must be before to.', [{ path: 'querystring.from', message: `${new Date(from).toISOString()} is not before ${new Date(to).toISOString()}` }]);
  return { from, to };
}
