import { join } from 'node:path';
import pino from 'pino';
import { AdminAuth } from '../../management/auth.js';
import { Store } from '../../store/store.js';
import { ADMIN_OPTIONS, UsageError, adminTarget, parse } from '../args.js';
import { adminCall } from '../admin-client.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * The first admin user. `setup-link` opens the store directly (Sluice may be stopped) and issues a
 * new one-time setup token; `setup` redeems it against a running Sluice. The password comes from
 * SLUICE_ADMIN_PASSWORD or stdin, never from a flag (it would land in the shell history).
 */
export async function adminCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'setup-link') {
    const { values: v } = parse(rest, { data: { type: 'string' }, store: { type: 'string' }, schema: { type: 'string' } });
    const store = await Store.open({ url: v.store ?? join(v.data ?? process.env['SLUICE_DATA'] ?? './data', 'sluice.db'), ...(v.schema ? { schema: v.schema } : {}) });
    try {
      if ((await store.management.users.count()) > 0) {
        process.stderr.write('sluice: an admin user exists already; an admin can invite others (POST /users) or issue password links (POST /users/{id}/password-link).\n');
        return 1;
      }
      const token = await new AdminAuth(store.management, pino({ level: 'silent' }), { mode: 'required' }).issueSetupToken();
      process.stdout.write(`One-time setup token (valid 24 hours; replaces any earlier one):\n  ${token}\nRedeem it: sluice admin setup --token ${token} --email you@example.com\n`);
      return 0;
    } finally {
      await store.close();
    }
  }
  if (sub === 'setup') {
    const { values: v } = parse(rest, { ...ADMIN_OPTIONS, token: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } });
    if (!v.token || !v.email) throw new UsageError('usage: sluice admin setup --token SETUP_TOKEN --email EMAIL [--name NAME]  (password from SLUICE_ADMIN_PASSWORD or stdin)');
    const password = process.env['SLUICE_ADMIN_PASSWORD'] || (await readStdin());
    if (!password) throw new UsageError('give the password in SLUICE_ADMIN_PASSWORD or on stdin');
    const r = (await adminCall({ url: adminTarget(v).url }, 'POST', '/auth/setup', { token: v.token, email: v.email, password, ...(v.name ? { name: v.name } : {}) })).json as { id: string; email: string };
    process.stdout.write(v.json ? `${JSON.stringify(r, null, 2)}\n` : `created the first admin user ${r.email} (owner); log in with POST /auth/login, then create an API token for the CLI with POST /auth/tokens\n`);
    return 0;
  }
  throw new UsageError('usage: sluice admin setup-link [--data DIR | --store URL] | sluice admin setup --token TOKEN --email EMAIL');
}
