/** Renders rows as an aligned text table (for terminals; no colours, so it pipes cleanly). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], maxWidth: readonly number[] = []): string {
  const cut = (s: string, i: number) => {
    const w = maxWidth[i];
    return w && s.length > w ? `${s.slice(0, w - 1)}…` : s;
  };
  const all = [header, ...rows].map((r) => r.map(cut));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}
