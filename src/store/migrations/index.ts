import { initial } from './001-initial.js';
import { management } from './100-management.js';
import { callLogs } from './200-call-logs.js';
import { rollups } from './201-rollups.js';
import { rollupSlices } from './202-rollup-slices.js';
import { callLogChunks } from './203-call-log-chunks.js';
import type { Migration } from './types.js';

/** Every migration, in order. Names sort in the order they must run. */
export const MIGRATIONS: readonly Migration[] = [initial, management, callLogs, rollups, rollupSlices, callLogChunks];
