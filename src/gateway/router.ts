import FindMyWay from 'find-my-way';
import type { RouteConfig } from '../config/schema.js';
import { ConfigError } from '../config/field-errors.js';

/** A route as the router needs it; `R` is the compiled route payload the handler uses. */
export interface RouterEntry<R> {
  readonly config: RouteConfig;
  readonly payload: R;
  /** A CORS preflight (OPTIONS with Access-Control-Request-Method) matches whatever the route's methods: one of its policies answers it. */
  readonly preflight?: boolean;
}

interface Candidate<R> {
  readonly entry: RouterEntry<R>;
  readonly methods: ReadonlySet<string> | undefined;
  readonly hosts: readonly HostMatcher[] | undefined;
  readonly headers: readonly (readonly [string, readonly string[]])[] | undefined;
  /** Whether the registered pattern is the wildcard half of a prefix route. */
  readonly viaWildcard: boolean;
  /** The route's own parameter names, by position (the tree uses positional names). */
  readonly paramNames: readonly string[];
  readonly specificity: number;
}

type HostMatcher = (host: string) => boolean;

export type RouteMatch<R> =
  | { readonly kind: 'match'; readonly entry: RouterEntry<R>; readonly params: Readonly<Record<string, string | undefined>>; readonly rest: string | undefined }
  /** `entry`: the most specific route whose path matched, so its error dialect answers the 405. */
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly string[]; readonly entry: RouterEntry<R> }
  | { readonly kind: 'not_found' };

function hostMatcher(pattern: string): HostMatcher {
  const p = pattern.toLowerCase();
  const hasPort = /:\d+$/.test(p);
  const strip = (h: string) => (hasPort ? h : h.replace(/:\d+$/, ''));
  if (p.startsWith('*.')) {
    const suffix = p.slice(1); // ".example.com"
    return (h) => {
      const host = strip(h);
      return host.endsWith(suffix) && host.indexOf('.') === host.length - suffix.length;
    };
  }
  return (h) => strip(h) === p;
}

const NOT_FOUND = { kind: 'not_found' } as const;

/**
 * A radix router (find-my-way) over route paths. One tree holds every pattern; each pattern keeps
 * the routes that registered it, most specific first, and method/host/header predicates pick one.
 * A miss on predicates falls back to the enclosing prefix routes, so a host-specific route does not
 * hide a catch-all.
 */
export class Router<R> {
  private readonly tree = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: true, maxParamLength: 500 });
  private readonly byPattern = new Map<string, Candidate<R>[]>();
  /** Prefix routes by static prefix, longest first: the fallback when predicates reject a candidate. */
  private readonly prefixes: { prefix: string; candidate: Candidate<R> }[] = [];

  constructor(entries: readonly RouterEntry<R>[]) {
    const errors: { path: string; message: string }[] = [];
    entries.forEach((entry, i) => this.add(entry, i, errors));
    for (const list of this.byPattern.values()) list.sort((a, b) => b.specificity - a.specificity);
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
    if (errors.length > 0) throw new ConfigError(errors);
  }

  private add(entry: RouterEntry<R>, index: number, errors: { path: string; message: string }[]): void {
    const r = entry.config;
    const base = {
      entry,
      methods: r.methods ? new Set<string>(r.methods) : undefined,
      hosts: r.hosts?.map(hostMatcher),
      headers: r.headers
        ? Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]] as const)
        : undefined,
      specificity: (r.hosts ? (r.hosts.some((h) => !h.startsWith('*')) ? 4 : 2) : 0) + (r.headers ? Object.keys(r.headers).length : 0) + (r.methods ? 1 : 0),
    };
    r.paths.forEach((path, pi) => {
      const patterns: [string, boolean][] = [];
      if (path.endsWith('/*')) patterns.push([path, true]);
      else {
        patterns.push([path, false]);
        if ((r.match ?? 'prefix') === 'prefix') patterns.push([path === '/' ? '/*' : `${path}/*`, true]);
      }
      const paramNames = path.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1));
      for (const [original, viaWildcard] of patterns) {
        const pattern = positional(original);
        const candidate: Candidate<R> = { ...base, viaWildcard, paramNames };
        let list = this.byPattern.get(pattern);
        if (!list) {
          list = [];
          this.byPattern.set(pattern, list);
          try {
            this.tree.on('GET', pattern, () => undefined, list);
          } catch (err) {
            errors.push({ path: `routes[${index}].paths[${pi}]`, message: `${JSON.stringify(path)} conflicts with another route: ${(err as Error).message}` });
          }
        }
        list.push(candidate);
        if (viaWildcard && !pattern.includes(':')) this.prefixes.push({ prefix: pattern.slice(0, -2), candidate });
      }
    });
  }

  find(method: string, path: string, host: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>>): RouteMatch<R> {
    const found = this.tree.find('GET', path);
    if (!found) return NOT_FOUND;
    const list = found.store as Candidate<R>[];
    const preflight = method === 'OPTIONS' && headers['access-control-request-method'] !== undefined;
    let allow: Set<string> | undefined;
    let pathMatched: RouterEntry<R> | undefined;
    for (const c of list) {
      if (!matchesRequest(c, host, headers)) continue;
      if (c.methods && !c.methods.has(method) && !(preflight && c.entry.preflight === true)) {
        pathMatched ??= c.entry;
        allow ??= new Set();
        for (const m of c.methods) allow.add(m);
        continue;
      }
      const rest = c.viaWildcard ? found.params['*'] ?? '' : undefined;
      return { kind: 'match', entry: c.entry, params: c.paramNames.length === 0 ? found.params : named(c.paramNames, found.params), rest };
    }
    // Predicates rejected the most specific pattern: try enclosing static prefixes.
    for (const { prefix, candidate } of this.prefixes) {
      if (!(path === prefix || path.startsWith(prefix + '/')) || list.includes(candidate)) continue;
      if (!matchesRequest(candidate, host, headers)) continue;
      if (candidate.methods && !candidate.methods.has(method) && !(preflight && candidate.entry.preflight === true)) {
        pathMatched ??= candidate.entry;
        allow ??= new Set();
        for (const m of candidate.methods) allow.add(m);
        continue;
      }
      const rest = path.slice(prefix.length + 1);
      return { kind: 'match', entry: candidate.entry, params: { '*': rest }, rest };
    }
    if (allow && pathMatched) return { kind: 'method_not_allowed', allow: [...allow].sort(), entry: pathMatched };
    return NOT_FOUND;
  }
}

/** `/orders/:id/items/:item` → `/orders/:p0/items/:p1`: routes may name the same position differently. */
function positional(pattern: string): string {
  let i = 0;
  return pattern.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, () => `:p${i++}`);
}

function named(names: readonly string[], params: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { '*': params['*'] };
  for (let i = 0; i < names.length; i++) out[names[i]!] = params[`p${i}`];
  return out;
}

function matchesRequest<R>(c: Candidate<R>, host: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  if (c.hosts) {
    if (host === undefined) return false;
    const h = host.toLowerCase();
    if (!c.hosts.some((m) => m(h))) return false;
  }
  if (c.headers) {
    for (const [name, values] of c.headers) {
      const v = headers[name];
      if (v === undefined) return false;
      const actual = Array.isArray(v) ? v : [v];
      if (!actual.some((a) => values.includes(a))) return false;
    }
  }
  return true;
}
