import { Type, type Static } from '@sinclair/typebox';

const Names = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { description: `${description} Exact names, \`prefix*\` patterns, or \`*\` for every model.` });

export const ModelAccessSchema = Type.Object(
  {
    allow: Type.Optional(Names('Model names (or aliases, as the client sends them) the caller may use.')),
    groups: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Names('Models allowed to consumers of this group.'), {
        description: 'Per consumer group, more allowed models (added to `allow`), e.g. `{ premium: ["gpt-4o", "claude-*"] }`.',
      }),
    ),
    deny: Type.Optional(Names('Models refused even when allowed (deny wins).')),
    max_body: Type.Optional(Type.Integer({ minimum: 1, default: 20 * 1024 * 1024, description: 'Largest request body read to find `model`, in bytes (the AI service reads the same bytes, once).' })),
  },
  { additionalProperties: false },
);

export type ModelAccessConfig = Static<typeof ModelAccessSchema>;
