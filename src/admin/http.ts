import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminError } from './problem.js';

/**
 * Conventions shared by the admin resources: `revision` is the ETag (`"3"`), writes take it back in
 * `If-Match` (412 on a stale one), lists are cursor-paginated (`limit`, `after` → `next`).
 */

/** `If-Match: "12"` → 12; absent or `*` → undefined (unconditional). */
export function ifMatch(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined || h === '*') return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(h.trim());
  if (!m) throw new AdminError('admin.invalid_request', `If-Match must be the ETag you read, e.g. "12" (got ${h}).`, [{ path: 'If-Match', message: 'must be an ETag such as "12"' }]);
  return Number(m[1]);
}

/** Sets the ETag of an entity and returns the body. */
export function withEtag<T extends { revision: number }>(reply: FastifyReply, body: T): T {
  void reply.header('etag', `"${body.revision}"`);
  return body;
}

export { Id } from '../config/schema-helpers.js';

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Page size.' })),
  after: Type.Optional(Type.String({ minLength: 1, description: 'Cursor: the `next` of the previous page.' })),
};

export const IfMatchHeader = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The ETag (revision) you read; a stale one answers 412.' })) });

/** `{ items, next }` (documentation of a list answer). */
export const PageOf = (item: TSchema) => Type.Object({ items: Type.Array(item), next: Type.Optional(Type.String({ description: 'Cursor of the next page (pass as `after`).' })) });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A documented entity (admin answers are not re-serialized through these: they describe, not filter). */
export const Entity = (description: string, properties: Record<string, TSchema>) => Type.Object(properties, { description, additionalProperties: true });
