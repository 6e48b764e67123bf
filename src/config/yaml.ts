import { parseDocument, stringify } from 'yaml';
import { ConfigError } from './field-errors.js';

/** Parses YAML (or JSON, a subset) into a plain value; syntax errors name the line and column. */
export function parseConfigText(text: string, source = 'config'): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const first = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
        return { path: pos ? `${source}:${pos.line}:${pos.col}` : source, message: first };
      }),
    );
  }
  return doc.toJS({ maxAliasCount: 100 }) ?? {};
}

/** Stable YAML for export (keys in document order, long strings kept on one line). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
