import { randomUUID } from 'node:crypto';
import type { CallContext } from '../contract.js';

/** Milliseconds since the epoch from the exchange's clock. */
export function nowMs(ctx: CallContext | undefined): number {
  return ctx?.now ? ctx.now() : Date.now();
}

export function nowSec(ctx: CallContext | undefined): number {
  return Math.floor(nowMs(ctx) / 1000);
}

/** A fresh id with the given prefix (`chatcmpl-`, `call_`…), from the exchange's generator when set. */
export function newId(ctx: CallContext | undefined, prefix: string): string {
  return prefix + (ctx?.newId ? ctx.newId() : randomUUID().replaceAll('-', '').slice(0, 24));
}
