import net from 'node:net';
import pg from 'pg';

/** Real services of this machine; CI sets SLUICE_REQUIRE_SERVICES=1 so they can never be skipped there. */
export const PG_URL = process.env['SLUICE_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env['SLUICE_TEST_REDIS'] ?? 'redis://127.0.0.1:6379';
const REQUIRED = process.env['SLUICE_REQUIRE_SERVICES'] === '1' || process.env['CI'] !== undefined;

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

async function available(name: string, url: string): Promise<boolean> {
  const u = new URL(url);
  const ok = await reachable(u.hostname, Number(u.port));
  if (ok) return true;
  if (REQUIRED) throw new Error(`${name} at ${u.host} is required in CI (SLUICE_REQUIRE_SERVICES=1) but is not reachable`);
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPING ${name} TESTS: ${u.host} is not reachable. They are REQUIRED in CI.\n${bar}\n`);
  return false;
}

export const hasPostgres = (): Promise<boolean> => available('PostgreSQL', PG_URL);
export const hasRedis = (): Promise<boolean> => available('Redis', REDIS_URL);

/** A fresh PostgreSQL schema name for one suite, dropped by the returned function. */
export async function freshPgSchema(prefix = 't'): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
