/**
 * Refuses paths whose meaning depends on how the upstream normalizes them: dot segments (plain or
 * percent-encoded), encoded NUL, backslashes. Routing on `/public/../admin` would otherwise let
 * a request match one route and reach another resource.
 */
export function invalidPathReason(path: string): string | undefined {
  if (path.charCodeAt(0) !== 47) return 'does not start with "/"';
  if (!path.includes('.') && !path.includes('%') && !path.includes('\\')) return undefined;
  if (path.includes('\\')) return 'contains a backslash';
  let decoded = path;
  if (path.includes('%')) {
    if (/%00/i.test(path)) return 'contains an encoded NUL byte';
    decoded = path.replace(/%2e/gi, '.').replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
    if (decoded.includes('\\')) return 'contains an encoded backslash';
  }
  for (const seg of decoded.split('/')) if (seg === '.' || seg === '..') return 'contains a dot segment';
  return undefined;
}

/** Splits `req.url` into path and raw query; absolute-form (`http://host/p`) is reduced to its path. */
export function splitUrl(url: string): { path: string; rawQuery: string } {
  let u = url;
  if (u.charCodeAt(0) !== 47 && /^https?:\/\//i.test(u)) {
    const i = u.indexOf('/', u.indexOf('//') + 2);
    u = i === -1 ? '/' : u.slice(i);
  }
  const q = u.indexOf('?');
  return q === -1 ? { path: u, rawQuery: '' } : { path: u.slice(0, q), rawQuery: u.slice(q + 1) };
}
