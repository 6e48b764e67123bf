import type { ResponseInfo } from '../core/policy.js';

/** ResponseInfo over a flat `[name, value, …]` header list that is about to be written. */
export class FlatResponseInfo implements ResponseInfo {
  private view: Record<string, string | string[]> | undefined;

  constructor(
    readonly status: number,
    readonly answeredBy: 'gateway' | 'upstream',
    readonly code: string | undefined,
    readonly list: string[],
  ) {}

  get headers(): Readonly<Record<string, string | string[]>> {
    if (!this.view) {
      const v: Record<string, string | string[]> = {};
      for (let i = 0; i < this.list.length; i += 2) {
        const k = this.list[i]!.toLowerCase();
        const prev = v[k];
        const val = this.list[i + 1]!;
        v[k] = prev === undefined ? val : Array.isArray(prev) ? [...prev, val] : [prev, val];
      }
      this.view = v;
    }
    return this.view;
  }

  setHeader(name: string, value: string): void {
    setFlatHeader(this.list, name, value);
    this.view = undefined;
  }
}

/**
 * `name` is `lower` (already lower-case) but for case. Lengths are compared first: most names in a
 * list differ in length, and lower-casing each one makes a string per header per call.
 */
export function sameHeaderName(name: string, lower: string): boolean {
  return name.length === lower.length && (name === lower || name.toLowerCase() === lower);
}

/** Sets (replacing every same-named entry) a header in a flat list. */
export function setFlatHeader(list: string[], name: string, value: string): void {
  const lower = name.toLowerCase();
  let placed = false;
  for (let i = 0; i < list.length; i += 2) {
    if (!sameHeaderName(list[i]!, lower)) continue;
    if (placed) {
      list.splice(i, 2);
      i -= 2;
    } else {
      list[i + 1] = value;
      placed = true;
    }
  }
  if (!placed) list.push(name, value);
}

/** Appends `extra` to `list`, each replacing an existing header of the same name. */
export function mergeFlatHeaders(list: string[], extra: readonly string[] | undefined): void {
  if (!extra) return;
  for (let i = 0; i < extra.length; i += 2) setFlatHeader(list, extra[i]!, extra[i + 1]!);
}
