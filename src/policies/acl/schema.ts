import { Type, type Static } from '@sinclair/typebox';

const Names = (description: string) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 10_000, description }));

export const AclSchema = Type.Object(
  {
    allow: Names('Consumer groups allowed. When any allow list is set, a consumer in none of them is refused (403 `acl.not_allowed`).'),
    deny: Names('Consumer groups refused (403 `acl.denied`). Deny wins over allow.'),
    allow_consumers: Names('Consumer ids allowed, in addition to the groups of `allow`.'),
    deny_consumers: Names('Consumer ids refused, in addition to the groups of `deny`.'),
    hide_groups_header: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Do not send `X-Consumer-Groups` (the consumer\'s groups, comma-separated) upstream. Either way a client-sent `X-Consumer-Groups` never reaches the upstream.',
      }),
    ),
  },
  { additionalProperties: false },
);

export type AclConfig = Static<typeof AclSchema>;
