import type { DialectError, ParseResult } from '../contract.js';

/** Thrown inside a dialect parser to stop at the first invalid parameter; caught by `parseWith`. */
export class Reject extends Error {
  constructor(readonly error: DialectError) {
    super(error.message);
    this.name = 'Reject';
  }
}

export function parseWith<T>(fn: () => T): ParseResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof Reject) return { ok: false, error: e.error };
    throw e;
  }
}

export type Json = Readonly<Record<string, unknown>>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  return `a ${typeof v}`;
}
