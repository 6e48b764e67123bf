import type { SluiceModule } from '../app/module.js';
import { TELEMETRY_REASONS } from './reasons.js';
import { ObservabilitySchema } from './settings.js';

/** The `observability` config section (call logs, analytics, body capture, sinks, tracing). */
export const telemetryModule: SluiceModule = {
  name: 'telemetry',
  sections: [{ key: 'observability', schema: ObservabilitySchema }],
  reasons: [TELEMETRY_REASONS],
};
