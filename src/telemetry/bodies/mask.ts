import type { CapturedBodies } from './capture.js';

export interface MaskRules {
  readonly fields: readonly string[];
  readonly patterns: readonly string[];
  readonly replacement: string;
}

/** Compiled masking: field names as a set, patterns as global regexes (invalid ones are reported once). */
export class Masker {
  private readonly fields: Set<string>;
  private readonly patterns: RegExp[] = [];
  readonly invalid: string[] = [];

  constructor(private readonly rules: MaskRules) {
    this.fields = new Set(rules.fields.map((f) => f.toLowerCase()));
    for (const p of rules.patterns) {
      try {
        this.patterns.push(new RegExp(p, 'g'));
      } catch {
        this.invalid.push(p);
      }
    }
  }

  /** Masks a text body: JSON values of sensitive keys (any depth), then the patterns. */
  text(body: string, truncated: boolean): string {
    let out = body;
    if (!truncated && this.fields.size > 0) {
      const t = body.trimStart();
      if (t.startsWith('{') || t.startsWith('[')) {
        try {
          out = JSON.stringify(this.json(JSON.parse(body) as unknown));
        } catch {
          out = body;
        }
      }
    }
    if (truncated && this.fields.size > 0) out = this.jsonLike(out);
    for (const re of this.patterns) out = out.replace(re, this.rules.replacement);
    return out;
  }

  private json(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.json(x));
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = this.fields.has(k.toLowerCase()) ? this.rules.replacement : this.json(x);
      return o;
    }
    return v;
  }

  /** A truncated JSON body cannot be parsed: mask `"key": "value"` / `"key": 123` pairs textually. */
  private jsonLike(s: string): string {
    return s.replace(/"([^"\\]{1,100})"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]\s]+)/g, (m, key: string, sep: string) =>
      this.fields.has(key.toLowerCase()) ? `"${key}"${sep}"${this.rules.replacement}"` : m,
    );
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function concat(parts: readonly Uint8Array[] | undefined): Uint8Array {
  if (!parts || parts.length === 0) return new Uint8Array(0);
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Text of a captured body, masked; binary (or compressed) bodies become a placeholder. */
function render(parts: readonly Uint8Array[] | undefined, seen: number, max: number, masker: Masker): string {
  const bytes = concat(parts);
  const truncated = seen > bytes.length;
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    // A cut may split a multi-byte character: retry without the last 3 bytes before calling it binary.
    try {
      text = truncated && bytes.length > 3 ? decoder.decode(bytes.subarray(0, bytes.length - 3)) : '';
      if (!text) return `[binary body, ${seen} bytes]`;
    } catch {
      return `[binary body, ${seen} bytes]`;
    }
  }
  const masked = masker.text(text, truncated);
  return truncated ? `${masked}…[truncated: ${seen} bytes, ${max} kept]` : masked;
}

export function renderBodies(c: CapturedBodies, masker: Masker): { request: string | null; response: string | null } {
  return {
    request: c.wantRequest && c.reqSeen > 0 ? render(c.req, c.reqSeen, c.max, masker) : null,
    response: c.wantResponse && c.resSeen > 0 ? render(c.res, c.resSeen, c.max, masker) : null,
  };
}
