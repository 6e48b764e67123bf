import type { ToolCallDelta } from '../../../core/llm/types.js';

interface CallState {
  readonly index: number;
  readonly id: string;
  argChars: number;
}

/**
 * Tool-call state of one stream: maps the provider's key for a call (content-block index, tool
 * index, id) to the canonical index 0, 1, 2… within its choice, and remembers whether arguments
 * arrived, so a call with none gets `{}` (clients JSON.parse the arguments).
 */
export class ToolCallState {
  private readonly byKey = new Map<string, CallState>();
  private readonly perChoice: CallState[][] = [];

  /** Start a call: returns the first delta, with its canonical index, id and name. */
  start(choice: number, key: string | number, id: string, name: string, signature?: string): ToolCallDelta {
    const list = (this.perChoice[choice] ??= []);
    const s: CallState = { index: list.length, id, argChars: 0 };
    list.push(s);
    this.byKey.set(`${choice}:${key}`, s);
    return signature === undefined ? { index: s.index, id, name } : { index: s.index, id, name, signature };
  }

  find(choice: number, key: string | number): { readonly index: number; readonly id: string } | undefined {
    return this.byKey.get(`${choice}:${key}`);
  }

  /** An argument fragment for a started call (empty fragments are dropped: returns undefined). */
  args(choice: number, key: string | number, fragment: string): ToolCallDelta | undefined {
    const s = this.byKey.get(`${choice}:${key}`);
    if (!s || fragment.length === 0) return undefined;
    s.argChars += fragment.length;
    return { index: s.index, argumentsDelta: fragment };
  }

  count(choice: number): number {
    return this.perChoice[choice]?.length ?? 0;
  }

  /** `{}` for each call of the choice that received no argument text (a tool without parameters). */
  fillEmpty(choice: number): ToolCallDelta[] {
    const out: ToolCallDelta[] = [];
    for (const s of this.perChoice[choice] ?? []) {
      if (s.argChars === 0) {
        s.argChars = 2;
        out.push({ index: s.index, argumentsDelta: '{}' });
      }
    }
    return out;
  }
}
