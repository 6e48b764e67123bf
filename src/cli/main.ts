#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError, parse } from './args.js';
import { AdminRequestError } from './admin-client.js';

const HELP = `sluice — AI gateway and API management; every denial is pinpointed.

Usage:
  sluice start [--config FILE] [--port 8080] [--admin-port 8081] [--data ./data]
               [--host 0.0.0.0] [--admin-host 127.0.0.1] [--store postgres://…] [--redis redis://…]
               [--admin-auth required|local]
  sluice config validate FILE       check a config file without starting
  sluice config export [-o FILE]    print the whole state minus secrets as YAML: the config document plus
                                    users, teams, APIs, consumers, subscriptions (from --admin URL, or --data/--store)
  sluice config apply FILE [--dry-run]
                                    show what FILE changes, then apply it (idempotent; one recompile)
  sluice consumers list|create ID --team T [--key]|key ID [--rotate CRED [--overlap 24h]]
  sluice subscriptions list [--state pending]|approve ID [-m COMMENT]|reject ID -m …|revoke ID -m …
  sluice apis list|publish ID [-m NOTES]|import OPENAPI_FILE --team T --id ID|export ID
  sluice admin setup-link [--data DIR]   a new one-time token to create the first admin user
  sluice admin setup --token T --email E  create it (password from SLUICE_ADMIN_PASSWORD or stdin)
  sluice explain REQUEST_ID         print the decision trace of a request
  sluice logs [REQUEST_ID] [--from 1h] [--status 4xx] [--consumer C] [--route R] [-q TEXT] [-f]
                                    call logs: query, show one in full, or follow (sluice logs --help)
  sluice simulate [-X METHOD] PATH [-H "k: v"] [--ip ADDR] [-d BODY]
                                    why would this request be denied? (nothing is sent upstream)
  sluice secret seal [--for provider-key|policy-secret] < FILE
                                    print enc:v1:… sealed under SLUICE_MASTER_KEY (sluice secret --help)
  sluice secret new-master-key      print a fresh random master key
  sluice migrate [--data DIR | --store URL]
  sluice docs generate              regenerate docs/errors.md, policies.md, configuration.md and admin-api.md
  sluice version

Environment: SLUICE_PORT, SLUICE_ADMIN_PORT, SLUICE_DATA, SLUICE_STORE, SLUICE_REDIS, SLUICE_CONFIG,
SLUICE_ADMIN_URL, SLUICE_ADMIN_TOKEN (an API token sluice_pat_… or the bootstrap token), SLUICE_ADMIN_AUTH,
SLUICE_ADMIN_EMAIL + SLUICE_ADMIN_PASSWORD (the first admin user, on first start), SLUICE_LOG_LEVEL.
`;

// Commands are loaded on demand: `sluice explain` should not pay for the gateway, the store and Fastify.
async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
      return (await import('./commands/start.js')).startCommand(rest);
    case 'config':
      return (await import('./commands/config.js')).configCommand(rest);
    case 'explain':
      return (await import('./commands/inspect.js')).explainCommand(rest);
    case 'simulate':
      return (await import('./commands/inspect.js')).simulateCommand(rest);
    case 'logs':
      return (await import('./commands/logs.js')).logsCommand(rest);
    case 'consumers':
      return (await import('./commands/manage.js')).consumersCommand(rest);
    case 'subscriptions':
      return (await import('./commands/manage.js')).subscriptionsCommand(rest);
    case 'apis':
      return (await import('./commands/manage.js')).apisCommand(rest);
    case 'admin':
      return (await import('./commands/admin.js')).adminCommand(rest);
    case 'secret':
      return (await import('./commands/secret.js')).secretCommand(rest);
    case 'migrate': {
      const { migrate, openConnection } = await import('../store/open.js');
      const { values: v } = parse(rest, { data: { type: 'string' }, store: { type: 'string' }, schema: { type: 'string' } });
      const conn = openConnection({ url: v.store ?? process.env['SLUICE_STORE'] ?? join(v.data ?? process.env['SLUICE_DATA'] ?? './data', 'sluice.db'), ...(v.schema ? { schema: v.schema } : {}) });
      try {
        const applied = await migrate(conn, v.schema);
        process.stdout.write(applied.length ? `applied ${applied.join(', ')} (${conn.describe})\n` : `up to date (${conn.describe})\n`);
      } finally {
        await conn.db.destroy();
      }
      return 0;
    }
    case 'docs': {
      if (rest[0] !== 'generate') throw new UsageError('usage: sluice docs generate [--out DIR]');
      const { values: v } = parse(rest.slice(1), { out: { type: 'string' } });
      const { assemble } = await import('../app/registry.js');
      const { generatedDocs } = await import('../docs/generate.js');
      const { adminOpenApiDocument } = await import('../admin/openapi-doc.js');
      const { adminApiMarkdown } = await import('../docs/generate.js');
      const assembly = assemble();
      const { reasons, registry } = assembly;
      const docs = { ...generatedDocs(reasons, registry), 'docs/admin-api.md': adminApiMarkdown(await adminOpenApiDocument(assembly)) };
      for (const [path, text] of Object.entries(docs)) {
        const file = join(v.out ?? '.', path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, text);
        process.stdout.write(`wrote ${file}\n`);
      }
      return 0;
    }
    case 'version':
    case '--version':
      process.stdout.write('sluice 0.1.0\n');
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`sluice: ${err.message}\n\n${HELP}`);
    else if (err instanceof AdminRequestError) process.stderr.write(`sluice: ${err.message}\n`);
    else process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError ? 64 : 1;
  },
);
