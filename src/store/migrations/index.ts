import { initial } from './001-initial.js';
import type { Migration } from './types.js';

/** Every migration, in order. Names sort in the order they must run. */
export const MIGRATIONS: readonly Migration[] = [initial];
