import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createDynamoDbClient, createEventBridgeClient } from '../shared/aws-clients.ts';
import { logger } from '../shared/logger.ts';
import { objectsFromMessageBody } from '../shared/s3-event.ts';
import { KitEventPublisher } from '../shared/tasks/task-events.ts';
import { TaskLedger } from '../shared/tasks/task-ledger.ts';
import { deadLetterError, deadLettersOf } from './core.ts';
import { loadRecorderSettings } from './settings.ts';

const settings = loadRecorderSettings();
const ledger = new TaskLedger(createDynamoDbClient(), settings.tableName, { ttlDays: settings.ttlDays });
const events = settings.busName ? new KitEventPublisher(createEventBridgeClient(), settings.busName) : undefined;
const pipelines = new Map(settings.pipelines.map((p) => [p.deadLetterQueueArn, p]));
const processor = new BatchProcessor(EventType.SQS);

/**
 * Drains the pipelines' dead-letter queues into the task table: each message's task ends
 * `dead-lettered` with the message kept for a retry, and `Task Dead-Lettered` is announced. This
 * is what records a task whose last attempt timed out or crashed its environment, where no
 * handler code ran to record it. A message it cannot record stays (and moves on to the parked
 * queue, with its alarm).
 */
async function recordMessage(record: SQSRecord): Promise<void> {
  const pipeline = pipelines.get(record.eventSourceARN);
  if (!pipeline) throw new Error(`A message from ${record.eventSourceARN}, which is no pipeline's dead-letter queue`);
  const objects = objectsFromMessageBody(record.body);
  for (const { task, retryMessage } of deadLettersOf(pipeline, objects, record.body)) {
    logger.appendKeys({ taskId: task.taskId, key: task.input.key, pipeline: pipeline.id });
    const existing = await ledger.get(task.taskId);
    const recorded = await ledger.markDeadLettered(task, { error: deadLetterError(existing), retryMessage });
    if (recorded) {
      // `outcome` and `pipeline` are what the stack's metric filter counts as a dead-lettered task.
      logger.warn('Task dead-lettered', { outcome: 'dead-lettered', attempts: existing?.attemptCount ?? 0 });
      await events?.publishTask(recorded);
    } else {
      // The task ended before its message left the queue (a success recorded after a timeout, say).
      logger.info('Dead-lettered message of a task that already ended', { state: existing?.state });
    }
    logger.removeKeys(['taskId', 'key', 'pipeline']);
  }
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  return processPartialResponse(event, recordMessage, processor, { context, throwOnFullBatchFailure: false });
}
