import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createDynamoDbClient } from '../shared/aws-clients.ts';
import { logger } from '../shared/logger.ts';
import { leaderboardUpdateOf } from './core.ts';
import { LEADERBOARD_TABLE_ENV } from './env.ts';
import { applyLeaderboardUpdate } from './leaderboard-store.ts';

const table = process.env[LEADERBOARD_TABLE_ENV];
if (!table) throw new Error(`Invalid handler environment: ${LEADERBOARD_TABLE_ENV} is not set`);
const ddb = createDynamoDbClient();
const processor = new BatchProcessor(EventType.SQS);

/**
 * The leaderboard: `Battle Settled` events (EventBridge → its queue) → per-season wins and xp,
 * idempotent per battleId. A failed record is retried by the queue, then dead-lettered.
 */
async function countBattle(record: SQSRecord): Promise<void> {
  const update = leaderboardUpdateOf(record.body);
  const outcome = await applyLeaderboardUpdate(ddb, table!, update);
  logger.info('Leaderboard', { battleId: update.battleId, season: update.season, outcome, messageId: record.messageId });
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  return processPartialResponse(event, countBattle, processor, { context, throwOnFullBatchFailure: false });
};
