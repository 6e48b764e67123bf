import { readFile, writeFile } from 'node:fs/promises';
import { parseConfigText } from '../../config/yaml.js';
import { ADMIN_OPTIONS, UsageError, adminTarget, parse } from '../args.js';
import { adminCall } from '../admin-client.js';
import { table } from '../table.js';

/**
 * The daily tasks of the management plane from a terminal: consumers and their keys, the
 * subscription approval queue, publishing APIs. They talk to a running Sluice's admin API
 * (`--admin URL`, `SLUICE_ADMIN_URL`) with an API token or the bootstrap token
 * (`--admin-token`, `SLUICE_ADMIN_TOKEN`); `--json` prints the raw answer.
 */

type Json = Record<string, unknown>;
const out = (s: string) => process.stdout.write(`${s}\n`);
const enc = encodeURIComponent;

function print(json: boolean, value: unknown, human: () => string): void {
  out(json ? JSON.stringify(value, null, 2) : human());
}

interface Credential { id: string; type: string; hint?: string; username?: string; subject?: string; expires_at?: string }

function secretLines(secret: Record<string, string> | undefined): string[] {
  return Object.entries(secret ?? {}).map(([k, v]) => `  ${k}: ${v}`);
}

const SHOWN_ONCE = '(shown only now: store it in your secret manager; Sluice keeps only its hash)';

export async function consumersCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values: v, positionals } = parse(rest, { ...ADMIN_OPTIONS, team: { type: 'string' }, name: { type: 'string' }, key: { type: 'boolean' }, type: { type: 'string' }, rotate: { type: 'string' }, overlap: { type: 'string' }, username: { type: 'string' } }, true);
  const admin = adminTarget(v);
  const json = v.json ?? false;
  switch (sub) {
    case 'list': {
      const r = (await adminCall(admin, 'GET', `/consumers?limit=500${v.team ? `&team=${enc(v.team)}` : ''}`)).json as { items: (Json & { id: string; team: string; name?: string; credentials: Credential[] })[] };
      print(json, r, () => table(['id', 'team', 'name', 'credentials'], r.items.map((c) => [c.id, c.team, c.name ?? '', c.credentials.map((k) => `${k.type}:${k.id}${k.hint ? ` ${k.hint}` : ''}`).join(', ')])));
      return 0;
    }
    case 'create': {
      const id = positionals[0];
      if (!id || !v.team) throw new UsageError('usage: sluice consumers create ID --team TEAM [--name NAME] [--key]');
      const c = (await adminCall(admin, 'POST', '/consumers', { id, team: v.team, ...(v.name ? { name: v.name } : {}) })).json as Json;
      const key = v.key ? ((await adminCall(admin, 'POST', `/consumers/${enc(id)}/credentials`, { type: 'key-auth' })).json as { credential: Credential; secret?: Record<string, string> }) : undefined;
      print(json, { consumer: c, ...(key ? { key } : {}) }, () => [`created consumer ${id} in team ${v.team}`, ...(key ? [`API key ${key.credential.id} ${SHOWN_ONCE}:`, ...secretLines(key.secret)] : [])].join('\n'));
      return 0;
    }
    case 'key': {
      const id = positionals[0];
      if (!id) throw new UsageError('usage: sluice consumers key CONSUMER [--type key-auth|basic-auth] [--username U] | --rotate CREDENTIAL [--overlap 24h]');
      const r = v.rotate
        ? (await adminCall(admin, 'POST', `/consumers/${enc(id)}/credentials/${enc(v.rotate)}/rotate`, v.overlap ? { overlap: v.overlap } : {})).json
        : (await adminCall(admin, 'POST', `/consumers/${enc(id)}/credentials`, { type: v.type ?? 'key-auth', ...(v.username ? { username: v.username } : {}) })).json;
      const k = r as { credential: Credential; secret?: Record<string, string> };
      print(json, k, () => [`${v.rotate ? 'rotated' : 'created'} ${k.credential.type} credential ${k.credential.id} of consumer ${id}${v.overlap ? ` (the previous key works for ${v.overlap} more)` : ''}`, ...(k.secret ? [SHOWN_ONCE, ...secretLines(k.secret)] : [])].join('\n'));
      return 0;
    }
    default:
      throw new UsageError('usage: sluice consumers list [--team T] | create ID --team T [--name N] [--key] | key CONSUMER [--rotate CRED [--overlap 24h]]');
  }
}

export async function subscriptionsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values: v, positionals } = parse(rest, { ...ADMIN_OPTIONS, state: { type: 'string' }, api: { type: 'string' }, consumer: { type: 'string' }, comment: { type: 'string', short: 'm' }, reason: { type: 'string' } }, true);
  const admin = adminTarget(v);
  const json = v.json ?? false;
  if (sub === 'list' || sub === 'pending') {
    const q = new URLSearchParams({ limit: '500' });
    const state = sub === 'pending' ? 'pending' : v.state;
    if (state) q.set('state', state);
    if (v.api) q.set('api', v.api);
    if (v.consumer) q.set('consumer', v.consumer);
    const r = (await adminCall(admin, 'GET', `/subscriptions?${q.toString()}`)).json as { items: { id: string; api: string; consumer: string; state: string; reason?: string; requested_by?: string; created_at: string }[] };
    print(json, r, () => (r.items.length ? table(['id', 'api', 'consumer', 'state', 'requested', 'by', 'reason'], r.items.map((s) => [s.id, s.api, s.consumer, s.state, s.created_at.slice(0, 19).replace('T', ' '), s.requested_by ?? '', s.reason ?? '']), [32, 30, 30, 9, 19, 40, 60]) : `no ${state ?? ''} subscriptions`.replace('  ', ' ')));
    return 0;
  }
  if (sub === 'request') {
    if (!v.api || !v.consumer) throw new UsageError('usage: sluice subscriptions request --api API --consumer CONSUMER [--reason TEXT]');
    const s = (await adminCall(admin, 'POST', '/subscriptions', { api: v.api, consumer: v.consumer, ...(v.reason ? { reason: v.reason } : {}) })).json as { id: string; state: string };
    print(json, s, () => `subscription ${s.id}: ${s.state}`);
    return 0;
  }
  if (sub === 'approve' || sub === 'reject' || sub === 'revoke') {
    const id = positionals[0];
    if (!id) throw new UsageError(`usage: sluice subscriptions ${sub} ID ${sub === 'approve' ? '[--comment TEXT]' : '--comment TEXT'}`);
    const s = (await adminCall(admin, 'POST', `/subscriptions/${enc(id)}/${sub}`, v.comment ? { comment: v.comment } : {})).json as { id: string; api: string; consumer: string; state: string };
    print(json, s, () => `subscription ${s.id} (${s.consumer} → ${s.api}): ${s.state}`);
    return 0;
  }
  throw new UsageError('usage: sluice subscriptions list [--state S] [--api A] [--consumer C] | pending | request --api A --consumer C [--reason R] | approve ID [-m COMMENT] | reject ID -m COMMENT | revoke ID -m COMMENT');
}

export async function apisCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values: v, positionals } = parse(rest, { ...ADMIN_OPTIONS, notes: { type: 'string', short: 'm' }, team: { type: 'string' }, id: { type: 'string' }, policy: { type: 'string', multiple: true }, output: { type: 'string', short: 'o' } }, true);
  const admin = adminTarget(v);
  const json = v.json ?? false;
  const id = positionals[0];
  switch (sub) {
    case 'list': {
      const r = (await adminCall(admin, 'GET', `/apis?limit=500${v.team ? `&team=${enc(v.team)}` : ''}`)).json as { items: { id: string; team: string; name: string; state: string; base_path: string; live_release: number | null }[] };
      print(json, r, () => table(['id', 'team', 'name', 'state', 'base path', 'release'], r.items.map((a) => [a.id, a.team, a.name, a.state, a.base_path, a.live_release === null ? '-' : String(a.live_release)])));
      return 0;
    }
    case 'publish': {
      if (!id) throw new UsageError('usage: sluice apis publish API [-m NOTES]');
      const plan = (await adminCall(admin, 'GET', `/apis/${enc(id)}/diff`)).json as { lines: string[] };
      const r = (await adminCall(admin, 'POST', `/apis/${enc(id)}/publish`, v.notes ? { notes: v.notes } : {})).json as { created: boolean; release: { number: number }; api: { state: string } };
      print(json, r, () => (r.created ? [`published ${id} as release ${r.release.number} (${r.api.state})`, ...plan.lines.map((l) => `  ${l}`)].join('\n') : `${id}: nothing to publish, release ${r.release.number} is live`));
      return 0;
    }
    case 'import': {
      const file = positionals[0];
      if (!file || !v.team || !v.id) throw new UsageError('usage: sluice apis import OPENAPI_FILE --team TEAM --id API [--policy key-auth]...');
      const document = parseConfigText(await readFile(file, 'utf8'), file);
      const r = (await adminCall(admin, 'POST', '/apis/import', { id: v.id, team: v.team, document, ...(v.policy?.length ? { policies: v.policy.map((name) => ({ name })) } : {}) })).json as { api: { id: string; definition: { routes: unknown[] } }; warnings: string[] };
      print(json, r, () => [`imported ${r.api.id} as a draft with ${r.api.definition.routes.length} routes; publish it with \`sluice apis publish ${r.api.id}\``, ...r.warnings.map((w) => `  warning: ${w}`)].join('\n'));
      return 0;
    }
    case 'export': {
      if (!id) throw new UsageError('usage: sluice apis export API [-o FILE]');
      const r = await adminCall(admin, 'GET', `/apis/${enc(id)}/openapi?format=yaml`, undefined, 'application/yaml');
      if (v.output) await writeFile(v.output, r.text);
      else process.stdout.write(r.text);
      return 0;
    }
    default:
      throw new UsageError('usage: sluice apis list [--team T] | publish API [-m NOTES] | import FILE --team T --id API [--policy NAME] | export API [-o FILE]');
  }
}
