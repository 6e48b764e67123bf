/**
 * WWW-Authenticate challenges (RFC 9110 §11.6.1). Parameter values become quoted-strings holding only
 * what RFC 6750 §3 allows in `error_description` (printable ASCII without `"` and `\`): double quotes
 * become single quotes and anything else outside the range is dropped, so a detail never breaks the header.
 */
export function challenge(scheme: string, params: Readonly<Record<string, string | undefined>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) if (v !== undefined) parts.push(`${k}="${quote(v)}"`);
  return parts.length > 0 ? `${scheme} ${parts.join(', ')}` : scheme;
}

function quote(v: string): string {
  return v.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/** Several challenges in one header (a client picks the scheme it supports). */
export function joinChallenges(list: readonly (string | undefined)[]): string {
  return [...new Set(list.filter((c): c is string => c !== undefined && c !== ''))].join(', ');
}
