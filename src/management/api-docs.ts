import type { PolicyAttachmentConfig, UpstreamConfig } from '../config/schema.js';
import type { ApiRecord } from '../store/management/index.js';
import { createApi, readApi, type ApiInput } from './apis.js';
import type { Actor } from './audit.js';
import type { ApiDefinition } from './definition.js';
import { invalidState, notFound } from './errors.js';
import { exportOpenApi } from './openapi-export.js';
import { importOpenApi } from './openapi-import.js';
import type { ManagementPlane } from './plane.js';
import type { Principal } from './roles.js';
import { discoverable } from './subscriptions.js';

export interface ImportInput extends Omit<ApiInput, 'definition' | 'name'> {
  readonly name?: string;
  readonly document: unknown;
  readonly base_path?: string;
  readonly upstream?: UpstreamConfig;
  readonly policies?: readonly PolicyAttachmentConfig[];
  readonly validation?: boolean;
}

/** Creates a draft API from an OpenAPI 3.0/3.1 document: routes, request validation, docs. */
export async function importApi(m: ManagementPlane, actor: Actor, input: ImportInput): Promise<{ api: ApiRecord; warnings: string[] }> {
  const r = importOpenApi(input.document, {
    ...(input.base_path ? { base_path: input.base_path } : {}),
    ...(input.upstream ? { upstream: input.upstream } : {}),
    ...(input.policies ? { policies: input.policies } : {}),
    ...(input.validation !== undefined ? { validation: input.validation } : {}),
  });
  const { document: _d, base_path: _b, upstream: _u, policies: _p, validation: _v, ...meta } = input;
  const description = input.description ?? r.description;
  const version = input.version ?? r.version;
  const api = await createApi(m, actor, { ...meta, name: input.name ?? r.title ?? input.id, ...(version ? { version } : {}), ...(description ? { description } : {}), definition: r.definition });
  return { api, warnings: r.warnings };
}

/**
 * The OpenAPI document of an API: of its live release by default, of release `n`, or of the draft.
 * The portal shows the live one of any API the developer may discover.
 */
export async function apiOpenApi(m: ManagementPlane, p: Principal, id: string, o: { release?: number; draft?: boolean; portal?: boolean } = {}): Promise<Record<string, unknown>> {
  const api = o.portal ? await m.tables.apis.get(id) : await readApi(m.tables, p, id);
  if (!api || (o.portal && !discoverable(p, api))) throw notFound('API', id);
  if (o.draft) return exportOpenApi(api, api.definition as ApiDefinition);
  const number = o.release ?? api.liveRelease;
  if (number === undefined) throw invalidState(`API ${id} is a draft with no release yet; publish it, or ask for the draft's document (draft=true).`);
  const rel = await m.tables.apis.release(id, number);
  if (!rel) throw notFound('release', `${id}#${number}`);
  return exportOpenApi(api, rel.snapshot as ApiDefinition, { release: rel.number });
}
