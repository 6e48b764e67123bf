#!/usr/bin/env node
import { secretCommand } from '../../cli/commands/secret.js';

/**
 * The earlier spelling of `sluice secret seal` (provider keys) and `sluice secret new-master-key`,
 * kept so that scripts written against it still work.
 */
const argv = process.argv.slice(2);
secretCommand(argv.includes('--new-master-key') ? ['new-master-key'] : argv.includes('-h') || argv.includes('--help') ? ['help'] : ['seal', '--for', 'provider-key']).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
