/** Something that takes part in weighted, prioritized selection (a key, a target). */
export interface Weighted {
  readonly weight: number;
  readonly priority: number;
}

/**
 * Picks among the usable items of the lowest priority that has any, weighted at random. `usable`
 * filters out what is cooling down, disabled, open or already tried. Items must be sorted by priority.
 */
export function pickWeighted<T extends Weighted>(items: readonly T[], usable: (item: T) => boolean, random: () => number = Math.random): T | undefined {
  let i = 0;
  while (i < items.length) {
    const prio = items[i]!.priority;
    let total = 0;
    let j = i;
    for (; j < items.length && items[j]!.priority === prio; j++) {
      const it = items[j]!;
      if (it.weight > 0 && usable(it)) total += it.weight;
    }
    if (total > 0) {
      let r = random() * total;
      for (let k = i; k < j; k++) {
        const it = items[k]!;
        if (it.weight <= 0 || !usable(it)) continue;
        r -= it.weight;
        if (r < 0) return it;
      }
      // Floating-point edge: return the last usable one of the group.
      for (let k = j - 1; k >= i; k--) if (items[k]!.weight > 0 && usable(items[k]!)) return items[k];
    }
    i = j;
  }
  return undefined;
}

export function byPriority<T extends Weighted>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.priority - b.priority);
}
