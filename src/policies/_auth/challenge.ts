/**
 * WWW-Authenticate challenges (RFC 9110 §11.6.1). Parameter values become quoted-strings: quotes and
 * backslashes escaped, anything outside printable ASCII dropped, so a detail can never break the header.
 */
export function challenge(scheme: string, params: Readonly<Record<string, string | undefined>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) if (v !== undefined) parts.push(`${k}="${quote(v)}"`);
  return parts.length > 0 ? `${scheme} ${parts.join(', ')}` : scheme;
}

function quote(v: string): string {
  return v.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, (c) => `\\${c}`);
}

/** Several challenges in one header (a client picks the scheme it supports). */
export function joinChallenges(list: readonly (string | undefined)[]): string {
  return [...new Set(list.filter((c): c is string => c !== undefined && c !== ''))].join(', ');
}
