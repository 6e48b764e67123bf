import type { CompileContext } from '../../core/policy.js';

/** How an origin was accepted, for the trace. */
export type OriginMatch = { readonly by: 'any' } | { readonly by: 'exact' } | { readonly by: 'wildcard' | 'pattern'; readonly entry: string };

const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/;
const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The serialized origin as browsers send it: lower case, default port dropped. */
function serialize(scheme: string, host: string, port: string | undefined): string {
  return `${scheme}://${host}${port && port !== DEFAULT_PORT[scheme] ? `:${port}` : ''}`;
}

/** Allowed origins, compiled once: a set of exact origins, then wildcard and pattern regexes. */
export class OriginMatcher {
  readonly any: boolean;
  private readonly exact = new Set<string>();
  private readonly wildcards: { entry: string; re: RegExp }[] = [];
  private readonly patterns: { entry: string; re: RegExp }[] = [];

  constructor(origins: readonly string[], patterns: readonly string[], ctx: CompileContext) {
    this.any = origins.includes('*');
    origins.forEach((raw, i) => {
      const o = raw.trim().toLowerCase();
      if (o === '*' || o === 'null') {
        this.exact.add(o);
        return;
      }
      const m = ORIGIN.exec(o);
      if (!m) return ctx.fail(`origins[${i}]`, `${JSON.stringify(raw)} is not an origin: scheme://host[:port], without a path (or "*", "null")`);
      const [, scheme, wildcard, host, port] = m;
      const origin = serialize(scheme!, host!, port);
      if (!wildcard) this.exact.add(origin);
      else {
        // `*.` stands for one or more DNS labels.
        const re = new RegExp(`^${escapeRe(`${scheme!}://`)}(?:[a-z0-9-]+\\.)+${escapeRe(origin.slice(scheme!.length + 3))}$`);
        this.wildcards.push({ entry: raw, re });
      }
    });
    patterns.forEach((p, i) => {
      try {
        this.patterns.push({ entry: p, re: new RegExp(`^(?:${p})$`, 'i') });
      } catch (err) {
        ctx.fail(`origin_patterns[${i}]`, `is not a valid regular expression: ${(err as Error).message}`);
      }
    });
  }

  /** How `origin` (the request's Origin header) is allowed, or undefined. */
  match(origin: string): OriginMatch | undefined {
    const o = origin.toLowerCase();
    if (this.exact.has(o)) return { by: 'exact' };
    for (const w of this.wildcards) if (w.re.test(o)) return { by: 'wildcard', entry: w.entry };
    for (const p of this.patterns) if (p.re.test(o)) return { by: 'pattern', entry: p.entry };
    if (this.any) return { by: 'any' };
    return undefined;
  }
}

/** True when the Origin names the host the request was sent to: not a cross-origin request. */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  const m = ORIGIN.exec(origin.toLowerCase());
  if (!m || m[2]) return false;
  const [, scheme, h, port] = [m[0], m[1]!, m[3]!, m[4]];
  const hostHeader = host.toLowerCase();
  const colon = hostHeader.lastIndexOf(':');
  const [hh, hp] = colon > hostHeader.lastIndexOf(']') ? [hostHeader.slice(0, colon), hostHeader.slice(colon + 1)] : [hostHeader, undefined];
  const norm = (p: string | undefined) => (p === undefined || p === DEFAULT_PORT[scheme] ? '' : p);
  return h === hh && norm(port) === norm(hp);
}
