/** Embedding vectors as OpenAI's `encoding_format: base64`: little-endian float32, base64. */
export function floatsToBase64(v: readonly number[]): string {
  const f = new Float32Array(v);
  const bytes = new Uint8Array(f.buffer);
  if (!LITTLE_ENDIAN) swap32(bytes);
  return Buffer.from(bytes).toString('base64');
}

export function base64ToFloats(b64: string): number[] {
  const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  if (bytes.length % 4 !== 0) throw new Error('base64 embedding is not a whole number of float32 values');
  if (!LITTLE_ENDIAN) swap32(bytes);
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
}

/** The vector in the format the client asked for. */
export function vectorAs(v: readonly number[] | string, format: 'float' | 'base64' | undefined): readonly number[] | string {
  if (format === 'base64') return typeof v === 'string' ? v : floatsToBase64(v);
  return typeof v === 'string' ? base64ToFloats(v) : v;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swap32(b: Uint8Array): void {
  for (let i = 0; i + 3 < b.length; i += 4) {
    const a0 = b[i]!;
    const a1 = b[i + 1]!;
    b[i] = b[i + 3]!;
    b[i + 1] = b[i + 2]!;
    b[i + 2] = a1;
    b[i + 3] = a0;
  }
}
