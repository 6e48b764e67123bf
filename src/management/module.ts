import type { SluiceModule } from '../app/module.js';
import { MANAGEMENT_REASONS } from './reasons.js';

/** The management plane's contribution to the assembly: its admin reason codes. */
export const managementModule: SluiceModule = { name: 'management', reasons: [MANAGEMENT_REASONS] };
