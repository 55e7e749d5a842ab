import { readFileSync } from 'node:fs';
import { serializeSettlement, settleBattle } from '../../../functions/battle-settlement/core.ts';

/** Settles each log file named on the command line and prints each settlement's canonical JSON on its own line. */
for (const file of process.argv.slice(2)) {
  process.stdout.write(`${serializeSettlement(settleBattle(readFileSync(file)).document)}\n`);
}
