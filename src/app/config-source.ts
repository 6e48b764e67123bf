import { readFile } from 'node:fs/promises';
import type { ConfigDocument } from '../config/schema.js';
import { parseConfigText } from '../config/yaml.js';
import type { Store } from '../store/store.js';

/** Where the config comes from: a declarative file (DB-less) or the store (admin API writes). */
export type ConfigSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'store' };

export async function readConfigFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  return parseConfigText(text, path);
}

/** The latest stored document and its version (version 0 and an empty document when none). */
export async function readStoredConfig(store: Store): Promise<{ document: ConfigDocument; version: number }> {
  const latest = await store.configs.latest();
  return latest ? { document: latest.document as ConfigDocument, version: latest.version } : { document: {}, version: 0 };
}
