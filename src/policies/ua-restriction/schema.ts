import { Type, type Static } from '@sinclair/typebox';

const Patterns = (description: string) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 1000, description }));

export const UaRestrictionSchema = Type.Object(
  {
    allow: Patterns(
      'Regular expressions (JavaScript syntax, searched anywhere in the User-Agent) let through. Checked first: a match passes even when `deny` matches too. Without a `deny` list, every other User-Agent is refused.',
    ),
    deny: Patterns('Regular expressions of User-Agents refused (crawlers, scrapers, scripted clients).'),
    missing: Type.Optional(
      Type.Union([Type.Literal('allow'), Type.Literal('deny')], {
        default: 'allow',
        description: 'What to do with a request that has no (or an empty) User-Agent header.',
        errorMessage: 'must be "allow" or "deny"',
      }),
    ),
    ignore_case: Type.Optional(Type.Boolean({ default: true, description: 'Match the patterns case-insensitively.' })),
  },
  { additionalProperties: false },
);

export type UaRestrictionConfig = Static<typeof UaRestrictionSchema>;
