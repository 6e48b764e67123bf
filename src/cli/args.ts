import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

/** `util.parseArgs` with a usage error instead of a stack trace on unknown flags. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function intOption(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number (got ${v})`);
  return n;
}

export const ADMIN_OPTIONS = {
  admin: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export function adminTarget(v: { admin?: string; 'admin-token'?: string }): { url: string; token?: string } {
  return { url: v.admin ?? process.env['SLUICE_ADMIN_URL'] ?? 'http://127.0.0.1:8081', token: v['admin-token'] ?? process.env['SLUICE_ADMIN_TOKEN'] };
}
