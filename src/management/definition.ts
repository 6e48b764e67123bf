import { Type, type Static } from '@sinclair/typebox';
import { Id } from '../config/schema-helpers.js';
import { PolicyAttachmentSchema, RouteSchema, UpstreamSchema } from '../config/schema.js';

const { id: _id, service: _service, paths: _paths, ...routeFields } = RouteSchema.properties;

/** A route of an API: a gateway route whose paths are relative to the API's `base_path`. */
export const ApiRouteSchema = Type.Object(
  {
    ...routeFields,
    id: Id('Route id within the API; the gateway route id is `<api id>.<route id>`.'),
    paths: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Paths below the API\'s `base_path`, e.g. `/`, `/:id`, `/files/*`.',
    }),
  },
  { additionalProperties: false },
);

/** What a release freezes: where the API lives, where it forwards, its routes, policies and docs. */
export const ApiDefinitionSchema = Type.Object(
  {
    base_path: Type.String({ pattern: '^/', default: '/', description: 'Prefix of every route path, e.g. `/v1/orders`. Versions coexist under different base paths.', errorMessage: 'must start with "/"' }),
    kind: Type.Optional(Type.String({ description: 'Service kind: `http` (default) or one registered by a module, e.g. `ai`.' })),
    upstream: Type.Optional(UpstreamSchema),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Settings of a non-http kind.' })),
    routes: Type.Array(ApiRouteSchema, { default: [], description: 'The API\'s routes.' }),
    policies: Type.Optional(Type.Array(PolicyAttachmentSchema, { description: 'Policies on every route of the API (service scope): authentication, limits, validation… `subscription` and `api-lifecycle` are added by Sluice.' })),
    openapi: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The API\'s OpenAPI document (docs shown in the portal; set by import).' })),
  },
  { additionalProperties: false },
);

export type ApiRoute = Static<typeof ApiRouteSchema>;
export type ApiDefinition = Static<typeof ApiDefinitionSchema>;

export const API_STATES = ['draft', 'published', 'deprecated', 'retired'] as const;
export type ApiState = (typeof API_STATES)[number];

/** Deprecation facts of a deprecated or retired API (become the api-lifecycle policy's config). */
export interface Deprecation {
  readonly deprecated_at: string;
  readonly sunset_at?: string;
  readonly link?: string;
  readonly successor?: string;
  readonly retired_at?: string;
}

/** Policies the management plane attaches itself; an API definition may not carry them. */
export const MANAGED_POLICIES = new Set(['subscription', 'api-lifecycle']);

/** The deprecation facts of an API record (stored as JSON). */
export function deprecationOf(a: { readonly deprecation?: unknown }): Partial<Deprecation> | undefined {
  const d = a.deprecation;
  return d !== null && typeof d === 'object' ? d : undefined;
}
