import { canonicalJson } from '../config/resolve.js';

/** One difference between two JSON values. */
export interface Change {
  readonly op: 'add' | 'remove' | 'change';
  /** `routes[list].paths[0]`: arrays of objects with an `id` are matched by id, others by index. */
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const keyed = (a: unknown[]) => a.every((x) => isObj(x) && typeof x['id'] === 'string');
const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const join = (base: string, key: string) => (base ? `${base}.${key}` : key);

/** The changes that turn `from` into `to` (release diffs, `config apply` plans). */
export function diffJson(from: unknown, to: unknown, path = ''): Change[] {
  if (same(from, to)) return [];
  if (from === undefined) return [{ op: 'add', path, to }];
  if (to === undefined) return [{ op: 'remove', path, from }];
  if (isObj(from) && isObj(to)) {
    const out: Change[] = [];
    for (const k of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) out.push(...diffJson(from[k], to[k], join(path, k)));
    return out;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    if (keyed(from) && keyed(to)) {
      const a = new Map(from.map((x) => [(x as { id: string }).id, x]));
      const b = new Map(to.map((x) => [(x as { id: string }).id, x]));
      const out: Change[] = [];
      for (const id of [...new Set([...a.keys(), ...b.keys()])]) out.push(...diffJson(a.get(id), b.get(id), `${path}[${id}]`));
      return out;
    }
    if (from.length === to.length) return from.flatMap((x, i) => diffJson(x, to[i], `${path}[${i}]`));
  }
  return [{ op: 'change', path, from, to }];
}

/** `+ apis[orders-v2]`, `~ apis[orders-v1].description: "a" → "b"`: a plan an operator reads. */
export function formatChanges(changes: readonly Change[]): string[] {
  const show = (v: unknown) => {
    const s = JSON.stringify(v);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  return changes.map((c) => {
    const path = c.path || '(whole)';
    return c.op === 'add' ? `+ ${path}: ${show(c.to)}` : c.op === 'remove' ? `- ${path}` : `~ ${path}: ${show(c.from)} → ${show(c.to)}`;
  });
}
