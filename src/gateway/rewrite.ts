import type { RouteConfig } from '../config/schema.js';

/** Computes the upstream path (without query) from the matched params; undefined = forward as is. */
export type PathRewrite = (params: Readonly<Record<string, string | undefined>>, rest: string | undefined) => string;

/** strip_path: forward what follows the matched route path; rewrite: fill a `{param}`/`{*}` template. */
export function compileRewrite(r: RouteConfig): PathRewrite | undefined {
  if (r.rewrite !== undefined) {
    const parts = r.rewrite.split(/(\{[^}]*\})/);
    return (params, rest) => {
      let out = '';
      for (const p of parts) {
        if (p.startsWith('{') && p.endsWith('}')) {
          const name = p.slice(1, -1);
          out += name === '*' ? encodeRest(rest ?? '') : encodeURIComponent(params[name] ?? '');
        } else out += p;
      }
      return out.replace(/\/{2,}/g, '/') || '/';
    };
  }
  if (r.strip_path) return (_params, rest) => '/' + encodeRest(rest ?? '');
  return undefined;
}

/** The wildcard rest is decoded by the router; re-encode each segment, keep the slashes. */
function encodeRest(rest: string): string {
  return rest.split('/').map(encodeURIComponent).join('/');
}
