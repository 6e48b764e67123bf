import { CidrSet } from '../core/ip.js';
import type { FieldError } from './field-errors.js';
import type { GatewaySettings, RouteConfig, UpstreamConfig } from './schema.js';

/** An upstream target URL: http(s), a host, optional port, nothing else. */
export function checkTargetUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${JSON.stringify(raw)} is not an http(s) URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${JSON.stringify(raw)} is not an http(s) URL`;
  if (!url.hostname) return `${JSON.stringify(raw)} has no host`;
  if (url.username || url.password) return `${JSON.stringify(raw)} must not carry credentials (use a policy to add auth headers)`;
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) {
    return `${JSON.stringify(raw)} must not have a path, query or fragment (use the route's rewrite for paths)`;
  }
  return undefined;
}

export function checkUpstream(u: UpstreamConfig, path: string, errors: FieldError[]): void {
  u.targets.forEach((t, i) => {
    const url = typeof t === 'string' ? t : t.url;
    const problem = checkTargetUrl(url);
    if (problem) errors.push({ path: typeof t === 'string' ? `${path}.targets[${i}]` : `${path}.targets[${i}].url`, message: problem });
  });
  if (u.targets.every((t) => typeof t !== 'string' && t.weight === 0)) {
    errors.push({ path: `${path}.targets`, message: 'every target has weight 0: no request could be served' });
  }
  const hc = u.health?.active?.path;
  if (hc !== undefined && !hc.startsWith('/')) errors.push({ path: `${path}.health.active.path`, message: `${JSON.stringify(hc)} must start with "/"` });
}

const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;

/** Route paths: `/static`, `/with/:param`, `/prefix/*` (wildcard only last). */
export function checkRoutePath(p: string): string | undefined {
  if (!p.startsWith('/')) return `${JSON.stringify(p)} must start with "/"`;
  if (p.includes('?') || p.includes('#')) return `${JSON.stringify(p)} must not contain a query or fragment`;
  const segs = p.split('/').slice(1);
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === '.' || s === '..') return `${JSON.stringify(p)} must not contain dot segments`;
    if (s.startsWith(':') && !PARAM.test(s)) return `${JSON.stringify(p)}: parameter "${s}" must be ":" followed by a name`;
    if (s.includes('*') && (s !== '*' || i !== segs.length - 1)) return `${JSON.stringify(p)}: "*" is only allowed as the whole last segment`;
  }
  return undefined;
}

export function routeParams(p: string): string[] {
  return p.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1));
}

export function checkRoute(r: RouteConfig, path: string, errors: FieldError[]): void {
  r.paths.forEach((p, i) => {
    const problem = checkRoutePath(p);
    if (problem) errors.push({ path: `${path}.paths[${i}]`, message: problem });
  });
  r.hosts?.forEach((h, i) => {
    if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/.test(h)) {
      errors.push({ path: `${path}.hosts[${i}]`, message: `${JSON.stringify(h)} is not a host name (a leading "*." is allowed)` });
    }
  });
  if (r.rewrite !== undefined) {
    if (!r.rewrite.startsWith('/')) errors.push({ path: `${path}.rewrite`, message: `${JSON.stringify(r.rewrite)} must start with "/"` });
    if (r.strip_path) errors.push({ path: `${path}.strip_path`, message: 'cannot be combined with rewrite (the template decides the whole path)' });
    for (const m of r.rewrite.matchAll(/\{([^}]*)\}/g)) {
      const name = m[1]!;
      if (name === '*') continue;
      const missing = r.paths.filter((p) => !routeParams(p).includes(name));
      if (missing.length > 0) {
        errors.push({ path: `${path}.rewrite`, message: `uses {${name}}, which path ${JSON.stringify(missing[0])} does not define` });
      }
    }
  }
  if (r.match === 'exact' && r.paths.some((p) => p.endsWith('/*'))) {
    errors.push({ path: `${path}.match`, message: '"exact" cannot be used with a wildcard path' });
  }
}

export function checkGatewaySettings(g: GatewaySettings | undefined, errors: FieldError[]): void {
  g?.trusted_proxies?.forEach((c, i) => {
    try {
      new CidrSet([c]);
    } catch (err) {
      errors.push({ path: `gateway.trusted_proxies[${i}]`, message: (err as Error).message });
    }
  });
}
