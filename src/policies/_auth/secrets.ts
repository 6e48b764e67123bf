import { timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two digests or MACs (lengths are public: unequal lengths are just unequal). */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** "5 hours", "90 seconds": how long ago a token expired, coarse enough to be stable in a message. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s} second${s === 1 ? '' : 's'}`;
  if (s < 7200) return `${Math.floor(s / 60)} minutes`;
  if (s < 172_800) return `${Math.floor(s / 3600)} hours`;
  return `${Math.floor(s / 86_400)} days`;
}
