import { clusterModule } from '../cluster/module.js';
import { POLICIES } from '../policies/registry.js';
import type { SluiceModule } from './module.js';
import { telemetryModule } from '../telemetry/module.js';
import { managementModule } from '../management/module.js';
import { aiModule } from '../ai/module.js';

/** The modules of this build. Feature areas add one line here. */
export const MODULES: readonly SluiceModule[] = [{ name: 'policies', policies: POLICIES }, clusterModule, managementModule, telemetryModule, aiModule];
