/** Monotonic milliseconds (fractional) for measuring durations in the trace. */
export const now = (): number => performance.now();
