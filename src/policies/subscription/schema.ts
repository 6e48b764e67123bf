import { Type, type Static } from '@sinclair/typebox';

export const SUBSCRIPTION_STATES = ['approved', 'pending', 'rejected', 'revoked'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

const State = () =>
  Type.Union(
    SUBSCRIPTION_STATES.map((s) => Type.Literal(s)),
    { errorMessage: `must be one of ${SUBSCRIPTION_STATES.join(', ')}` },
  );

export const SubscriptionEntrySchema = Type.Union(
  [
    State(),
    Type.Object(
      {
        state: State(),
        id: Type.Optional(Type.String({ description: 'Subscription id (shown in the trace).' })),
        since: Type.Optional(Type.String({ description: 'When the subscription entered this state (RFC 3339), shown in the denial detail.' })),
      },
      { additionalProperties: false },
    ),
  ],
  { errorMessage: 'must be a state (approved, pending, rejected, revoked) or { state, id, since }' },
);

export const SubscriptionSchema = Type.Object(
  {
    api: Type.String({ minLength: 1, description: 'Id of the API these subscriptions are for (named in denials and traces).' }),
    consumers: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), SubscriptionEntrySchema, {
        default: {},
        description: 'Consumer id → subscription state. Only `approved` passes; a consumer not listed has no subscription. Written by the management plane.',
      }),
    ),
    portal: Type.Optional(Type.String({ description: 'Where developers subscribe (e.g. the developer portal URL); named in the denial detail.' })),
  },
  { additionalProperties: false },
);

export type SubscriptionConfig = Static<typeof SubscriptionSchema>;
export type SubscriptionEntry = Static<typeof SubscriptionEntrySchema>;
