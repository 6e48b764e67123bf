import { Type, type Static } from '@sinclair/typebox';

export const SIZE_PATTERN = '^\\d+(\\.\\d+)?\\s*(b|kb|mb|gb|kib|mib|gib)?$';

export const RequestSizeSchema = Type.Object(
  {
    max: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: SIZE_PATTERN })], {
      description: 'Largest request body allowed: bytes, or "512kb", "10mb" (1 kb = 1024 bytes).',
      errorMessage: 'must be a byte count or a size such as "512kb" or "10mb"',
    }),
    require_length: Type.Optional(
      Type.Boolean({ default: false, description: 'Refuse bodies without Content-Length (chunked) with 411 instead of counting them.' }),
    ),
  },
  { additionalProperties: false },
);

export type RequestSizeConfig = Static<typeof RequestSizeSchema>;

const UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

export function parseSize(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(v.trim())!;
  return Math.floor(Number(m[1]) * (UNITS[(m[2] || 'b').toLowerCase()] ?? 1));
}
