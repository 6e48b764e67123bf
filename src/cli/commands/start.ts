import { Sluice } from '../../app/runtime.js';
import { ConfigError } from '../../config/field-errors.js';
import { UsageError, intOption, parse } from '../args.js';

const env = (k: string) => process.env[k] || undefined;

export async function startCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, {
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'admin-port': { type: 'string' },
    'admin-host': { type: 'string' },
    data: { type: 'string' },
    store: { type: 'string' },
    redis: { type: 'string' },
    'log-level': { type: 'string' },
    'admin-token': { type: 'string' },
    'admin-auth': { type: 'string' },
  });
  const adminAuth = v['admin-auth'] ?? env('SLUICE_ADMIN_AUTH');
  if (adminAuth !== undefined && adminAuth !== 'required' && adminAuth !== 'local') throw new UsageError(`--admin-auth must be "required" or "local" (got ${adminAuth})`);
  let app: Sluice;
  try {
    app = await Sluice.start({
      configFile: v.config ?? env('SLUICE_CONFIG'),
      port: intOption(v.port ?? env('SLUICE_PORT'), 'port', 8080),
      host: v.host ?? env('SLUICE_HOST') ?? '0.0.0.0',
      adminPort: intOption(v['admin-port'] ?? env('SLUICE_ADMIN_PORT'), 'admin-port', 8081),
      adminHost: v['admin-host'] ?? env('SLUICE_ADMIN_HOST') ?? '127.0.0.1',
      dataDir: v.data ?? env('SLUICE_DATA') ?? './data',
      storeUrl: v.store ?? env('SLUICE_STORE'),
      redisUrl: v.redis ?? env('SLUICE_REDIS'),
      logLevel: v['log-level'] ?? env('SLUICE_LOG_LEVEL') ?? 'info',
      adminToken: v['admin-token'] ?? env('SLUICE_ADMIN_TOKEN'),
      ...(adminAuth ? { adminAuth } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: refusing to start, ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`sluice: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  const admin = `http://${app.adminAddress.host}:${app.adminAddress.port}`;
  if (app.firstAdmin.created) process.stdout.write(`sluice: created the first admin user ${app.firstAdmin.created} (owner) from SLUICE_ADMIN_EMAIL / SLUICE_ADMIN_PASSWORD\n`);
  if (app.firstAdmin.setupToken) process.stdout.write(setupMessage(admin, app.firstAdmin.setupToken));
  process.stdout.write(`sluice ready: proxy http://${app.proxyAddress.host}:${app.proxyAddress.port}  admin ${admin}\n`);
  process.on('SIGHUP', () => {
    app.reload().then(
      (r) => app.log.info(r, r.changed ? 'config reloaded' : 'config unchanged'),
      (err: unknown) => app.log.error({ errors: err instanceof ConfigError ? err.errors : undefined, err: err instanceof ConfigError ? undefined : err }, 'config reload refused; the previous version stays active'),
    );
  });
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      app.log.info({ signal }, 'shutting down');
      app.close().then(() => resolve(0), (err: unknown) => {
        app.log.error({ err }, 'shutdown error');
        resolve(1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Printed once, on the first start without SLUICE_ADMIN_EMAIL: how to create the first owner. */
export function setupMessage(admin: string, token: string): string {
  return [
    'sluice: no admin user yet. Create the first owner with this one-time setup token (valid 24 hours, shown only now):',
    `  ${token}`,
    `  sluice admin setup --admin ${admin} --token ${token} --email you@example.com   (reads the password from SLUICE_ADMIN_PASSWORD or stdin)`,
    `  or: POST ${admin}/auth/setup {"token": "…", "email": "…", "password": "…"}`,
    '  Lost it? `sluice admin setup-link --data DIR` (or --store URL) issues a new one. Or start with SLUICE_ADMIN_EMAIL and SLUICE_ADMIN_PASSWORD set.',
    '',
  ].join('\n');
}
