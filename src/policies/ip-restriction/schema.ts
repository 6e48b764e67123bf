import { Type, type Static } from '@sinclair/typebox';

export const IpRestrictionSchema = Type.Object(
  {
    allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Addresses or CIDRs (IPv4/IPv6) allowed; when set, every other address is refused.' })),
    deny: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Addresses or CIDRs refused. Deny wins over allow.' })),
    source: Type.Optional(
      Type.Union([Type.Literal('client'), Type.Literal('peer')], {
        default: 'client',
        description: '`client`: the address resolved through `gateway.trusted_proxies` (X-Forwarded-For); `peer`: the TCP peer.',
        errorMessage: 'must be "client" or "peer"',
      }),
    ),
  },
  { additionalProperties: false },
);

export type IpRestrictionConfig = Static<typeof IpRestrictionSchema>;
