import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../lib/pipelines/paths.ts';

/**
 * Whether this checkout's local runtime has DynamoDB transactions and EventBridge (both landing on
 * main from other branches). The settlement suites need both; until then they are skipped, said
 * aloud rather than failing on a runtime that cannot run them.
 */
export const localRuntimeHasTransactionsAndEvents =
  existsSync(join(PROJECT_ROOT, 'lib/local/emulators/dynamodb-transactions.ts')) && existsSync(join(PROJECT_ROOT, 'lib/local/eventbridge/local-eventbridge.ts'));
if (!localRuntimeHasTransactionsAndEvents) console.warn('settlement integration skipped: the local runtime has no DynamoDB transactions or EventBridge yet');
