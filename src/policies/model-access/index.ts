import type { RequestContext } from '../../core/context.js';
import { allow, definePolicy, deny, skip, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { ModelAccessSchema, type ModelAccessConfig } from './schema.js';

export const reasons = defineReasons([
  { code: 'model.not_permitted', status: 403, title: 'Model not permitted', description: 'The model named in the request (or the alias as the client sent it) is not in the caller\'s model allow-list (model-access policy), or is in its `deny` list. The detail names the model; `GET /v1/models` lists the models the caller may use.' },
]);

/** Keys of ctx.locals shared with the AI service (which imports nothing of policies, nor they of it). */
const PREDICATE_LOCAL = 'model-access';
const JSON_BODY_LOCAL = 'json-body';

/** A compiled name list: exact names, prefixes, or everything. */
class NameSet {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];
  private any = false;

  constructor(names: readonly string[]) {
    for (const n of names) {
      if (n === '*') this.any = true;
      else if (n.endsWith('*')) this.prefixes.push(n.slice(0, -1));
      else this.exact.add(n);
    }
  }

  has(name: string): boolean {
    return this.any || this.exact.has(name) || this.prefixes.some((p) => name.startsWith(p));
  }

  get empty(): boolean {
    return !this.any && this.exact.size === 0 && this.prefixes.length === 0;
  }
}

const LISTING = /\/models(\/[^/]+)?$/;

function modelOf(body: unknown): string | undefined {
  const m = (body as { model?: unknown } | null)?.model;
  return typeof m === 'string' ? m : undefined;
}

async function readModel(ctx: RequestContext, limit: number): Promise<string | undefined> {
  const cached = ctx.locals.get(JSON_BODY_LOCAL);
  if (cached !== undefined) return modelOf(cached);
  const bytes = await ctx.readBody(limit);
  if (bytes.length === 0) return undefined;
  try {
    const body: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) ctx.locals.set(JSON_BODY_LOCAL, body);
    return modelOf(body);
  } catch {
    return undefined;
  }
}

/**
 * Which models a consumer may use on AI routes: an allow-list (names, `prefix*`, `*`), extra names per
 * consumer group, and a deny list. Attach it globally for everyone and per consumer for exceptions.
 * Denies with 403 `model.not_permitted` naming the model; `GET /v1/models` is filtered through it.
 */
export const modelAccess = definePolicy<ModelAccessConfig>({
  name: 'model-access',
  phase: 'authorize',
  priority: 60,
  summary: 'Allow-list of AI models per consumer or group; GET /v1/models shows only those (403).',
  schema: ModelAccessSchema,
  reasons,
  compile(config, ctx) {
    const allowed = new NameSet(config.allow ?? []);
    const denied = new NameSet(config.deny ?? []);
    const byGroup = new Map(Object.entries(config.groups ?? {}).map(([g, names]) => [g, new NameSet(names)] as const));
    if (allowed.empty && byGroup.size === 0) ctx.fail('allow', 'set "allow" or "groups": with neither, no model would be permitted');
    const limit = config.max_body ?? 20 * 1024 * 1024;
    const permits = (groups: readonly string[]) => (name: string): boolean => {
      if (denied.has(name)) return false;
      if (allowed.has(name)) return true;
      for (const g of groups) if (byGroup.get(g)?.has(name)) return true;
      return false;
    };
    const decide = (req: RequestContext, model: string | undefined, may: (n: string) => boolean): Decision => {
      if (model === undefined) return skip('no model named in the request body');
      if (may(model)) return allow(undefined, { model });
      return deny('model.not_permitted', `The model ${JSON.stringify(model)} is not permitted for ${req.consumer ? `consumer ${req.consumer.id}` : 'this caller'}.`, {
        data: { model, consumer: req.consumer?.id, groups: req.consumer?.groups, denied: denied.has(model) },
      });
    };
    return {
      evaluate(req) {
        const may = permits(req.consumer?.groups ?? []);
        req.locals.set(PREDICATE_LOCAL, may);
        if (req.method === 'GET' && LISTING.test(req.path)) return skip('model listing: filtered by this allow-list');
        if (!req.hasBody) return skip('no request body');
        return readModel(req, limit).then((model) => decide(req, model, may));
      },
    };
  },
});
