import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';

/** One reason a config is refused: the exact field and why. */
export interface FieldError {
  /** `services[2].upstream.targets[0]` */
  readonly path: string;
  readonly message: string;
}

/** A whole config refused, with every field error found. */
export class ConfigError extends Error {
  constructor(readonly errors: readonly FieldError[]) {
    super(`invalid config:\n${errors.map((e) => `  ${formatFieldError(e)}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatFieldError(e: FieldError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

/** `/services/2/upstream` → `services[2].upstream`, appended to `base`. */
export function pointerToPath(pointer: string, base = ''): string {
  let out = base;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function joinPath(base: string, rel: string): string {
  if (!rel) return base;
  if (!base) return rel;
  return rel.startsWith('[') ? base + rel : `${base}.${rel}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Closest candidate by edit distance, for "did you mean" hints. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function describe(e: ValueError): string {
  const custom = (e.schema as { errorMessage?: unknown }).errorMessage;
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = e.path.split('/').pop() ?? '';
      return `unknown field ${JSON.stringify(key)}`;
    }
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    default:
      break;
  }
  if (typeof custom === 'string') return `${show(e.value)} ${custom}`;
  switch (e.type) {
    case ValueErrorType.String:
    case ValueErrorType.Number:
    case ValueErrorType.Integer:
    case ValueErrorType.Boolean:
    case ValueErrorType.Array:
    case ValueErrorType.Object:
      return `expected ${e.message.replace(/^Expected /, '')}, got ${show(e.value)}`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify((e.schema as { const?: unknown }).const)}, got ${show(e.value)}`;
    default:
      return `${e.message.charAt(0).toLowerCase()}${e.message.slice(1)} (got ${show(e.value)})`;
  }
}

/**
 * Schema errors as field errors. Unknown fields get a "did you mean" hint from the sibling
 * properties the schema allows. Only the deepest error per path is kept.
 */
export function schemaErrors(schema: TSchema, value: unknown, base = ''): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    const path = pointerToPath(e.path, base);
    if (seen.has(path)) continue;
    // An error on a child already explains its parent.
    if ([...seen].some((p) => p.startsWith(path + '.') || p.startsWith(path + '['))) continue;
    seen.add(path);
    let message = describe(e);
    if (e.type === ValueErrorType.ObjectAdditionalProperties) {
      const key = e.path.split('/').pop() ?? '';
      const parentSchema = findParentProperties(schema, e.path);
      const hint = parentSchema ? suggest(key, parentSchema) : undefined;
      if (hint) message += ` (did you mean "${hint}"?)`;
    }
    out.push({ path, message });
  }
  return out;
}

function findParentProperties(schema: TSchema, pointer: string): string[] | undefined {
  const segs = pointer.split('/').slice(1, -1);
  let node: TSchema | undefined = schema;
  for (const seg of segs) {
    if (!node) return undefined;
    const n: Record<string, unknown> = node;
    if (n['type'] === 'array') node = n['items'] as TSchema | undefined;
    else if (n['properties']) node = (n['properties'] as Record<string, TSchema>)[seg];
    else if (n['anyOf']) node = (n['anyOf'] as TSchema[]).find((s) => (s as { type?: string }).type === 'object');
    else return undefined;
    if (node && (node as { anyOf?: unknown }).anyOf) {
      node = ((node as unknown as { anyOf: TSchema[] }).anyOf).find((s) => (s as { type?: string }).type === 'object') ?? node;
    }
  }
  const props = (node as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props) : undefined;
}
