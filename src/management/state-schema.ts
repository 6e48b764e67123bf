import { Type } from '@sinclair/typebox';
import { Id } from '../config/schema-helpers.js';
import { PolicyAttachmentSchema } from '../config/schema.js';
import { ApiDefinitionSchema } from './definition.js';
import { ROLES } from './roles.js';

const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Str = (o: { description?: string } = {}) => Type.String({ minLength: 1, ...o });

/** The `management` section of a state file (`sluice config export` writes it, `apply` reads it). */
export const ManagementStateSchema = Type.Object(
  {
    users: Type.Optional(Type.Array(Type.Object({ email: Str(), name: Type.Optional(Type.String()), role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), { description: 'Admin users (added or changed by apply, never removed). New ones get a one-time password link.' })),
    teams: Type.Optional(Type.Array(Type.Object({ id: Id(), name: Str(), description: Type.Optional(Type.String()), members: Type.Optional(Type.Array(Type.Object({ user: Str({ description: 'Email.' }), role: Role }, { additionalProperties: false }))) }, { additionalProperties: false }))),
    apis: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id(),
            team: Str(),
            name: Str(),
            version: Type.Optional(Type.String()),
            description: Type.Optional(Type.String()),
            visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
            approval: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('manual')])),
            subscription_required: Type.Optional(Type.Boolean()),
            state: Type.Optional(Type.Union(['draft', 'published', 'deprecated', 'retired'].map((s) => Type.Literal(s)))),
            deprecation: Type.Optional(Type.Record(Type.String(), Type.String())),
            definition: Type.Optional(ApiDefinitionSchema),
            draft: Type.Optional(ApiDefinitionSchema),
          },
          { additionalProperties: false },
        ),
        { description: 'APIs: `definition` is what is live (a new release when it changes), `draft` the working definition when it differs.' },
      ),
    ),
    consumers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id(),
            team: Str(),
            name: Type.Optional(Type.String()),
            description: Type.Optional(Type.String()),
            groups: Type.Optional(Type.Array(Str())),
            policies: Type.Optional(Type.Array(PolicyAttachmentSchema)),
            credentials: Type.Optional(Type.Array(Type.Object({ id: Id(), type: Str() }, { additionalProperties: true }), { description: 'Non-secret fields only; a new key-auth credential without key_hash (or a new basic-auth one) gets a generated secret, shown once in the answer.' })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    subscriptions: Type.Optional(Type.Array(Type.Object({ api: Str(), consumer: Str(), state: Type.Union(['pending', 'approved', 'rejected', 'revoked'].map((s) => Type.Literal(s))), reason: Type.Optional(Type.String()), comment: Type.Optional(Type.String()) }, { additionalProperties: false }))),
    webhooks: Type.Optional(Type.Array(Type.Object({ team: Str(), url: Str(), events: Type.Optional(Type.Array(Str())), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
);
