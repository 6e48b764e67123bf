import { readFile, writeFile } from 'node:fs/promises';
import { parseConfigText } from '../../config/yaml.js';
import { ADMIN_OPTIONS, UsageError, adminTarget, parse } from '../args.js';
import { adminCall } from '../admin-client.js';

export async function configCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'validate': {
      const { positionals } = parse(rest, {}, true);
      const file = positionals[0];
      if (!file) throw new UsageError('usage: sluice config validate FILE');
      const r = await (await import('./config-local.js')).validateFile(file);
      if (r.ok) {
        process.stdout.write(`${r.summary}\n`);
        return 0;
      }
      process.stderr.write(`${file}: invalid config\n${r.errors.map((e) => `  ${e}`).join('\n')}\n`);
      return 1;
    }
    case 'export': {
      const { values: v } = parse(rest, { ...ADMIN_OPTIONS, data: { type: 'string' }, store: { type: 'string' }, output: { type: 'string', short: 'o' } });
      let yaml: string;
      if (v.data || v.store) {
        yaml = await (await import('./config-local.js')).exportOffline(v);
      } else {
        const r = await adminCall(adminTarget(v), 'GET', '/state?format=yaml', undefined, 'application/yaml');
        yaml = r.text;
      }
      if (v.output) await writeFile(v.output, yaml);
      else process.stdout.write(yaml);
      return 0;
    }
    case 'apply': {
      const { values: v, positionals } = parse(rest, { ...ADMIN_OPTIONS, 'dry-run': { type: 'boolean' } }, true);
      const file = positionals[0];
      if (!file) throw new UsageError('usage: sluice config apply FILE [--dry-run] [--admin URL]');
      const desired = parseConfigText(await readFile(file, 'utf8'), file);
      const admin = adminTarget(v);
      const plan = (await adminCall(admin, 'POST', '/state/plan', desired)).json as { lines: string[]; tag: string };
      if (plan.lines.length === 0) {
        process.stdout.write(v.json ? `${JSON.stringify({ changed: false, lines: [] })}\n` : 'No changes: the running state already matches the file.\n');
        return 0;
      }
      if (!v.json) process.stdout.write(`${v['dry-run'] ? 'Would change' : 'Changes'} (${plan.lines.length}):\n${plan.lines.map((l) => `  ${l}`).join('\n')}\n`);
      if (v['dry-run']) {
        if (v.json) process.stdout.write(`${JSON.stringify({ changed: false, dry_run: true, lines: plan.lines }, null, 2)}\n`);
        return 0;
      }
      const r = (await adminCall(admin, 'PUT', '/state', desired, 'application/json', { 'if-match': `"${plan.tag}"` })).json as { version: number; secrets: { kind: string; owner: string; id: string; secret: Record<string, string> }[]; invitations: { email: string; reset_token: string }[] };
      if (v.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return 0;
      }
      process.stdout.write(`Applied; config version ${r.version} is active.\n`);
      for (const x of r.secrets) process.stdout.write(`new ${x.kind} ${x.owner}/${x.id} (secret shown only now): ${Object.entries(x.secret).map(([k, s]) => `${k}=${s}`).join(' ')}\n`);
      for (const i of r.invitations) process.stdout.write(`new user ${i.email}: set a password with POST /auth/password/reset {"link": "${i.reset_token}", …}\n`);
      return 0;
    }
    default:
      throw new UsageError('usage: sluice config validate FILE | sluice config export [--admin URL | --data DIR | --store URL] [-o FILE] | sluice config apply FILE [--dry-run]');
  }
}
