import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isPermanentError, type FailureRecord } from './errors.ts';
import { failureRecordKey } from './keys.ts';
import { logger } from './logger.ts';
import type { PipelineId } from './pipeline-ids.ts';
import { objectsFromMessageBody, type S3ObjectRef } from './s3-event.ts';
import { deleteObject, writeJson } from './s3-io.ts';
import type { WorkerSettings } from './settings.ts';

export interface QueueWorkerOptions {
  readonly pipeline: PipelineId;
  readonly settings: WorkerSettings;
  readonly s3: S3Client;
  /** Does the pipeline's work for one uploaded object; throws PermanentError for bad input. */
  readonly processObject: (object: S3ObjectRef) => Promise<void>;
  /** The key whose presence marks an object's result (its manifest), removed when a later upload of the key fails. */
  readonly resultKey: (object: S3ObjectRef) => string;
}

/** A record left for redelivery because the invocation has too little time left to finish it. */
export class NotStartedError extends Error {
  override readonly name = 'NotStartedError';
}

/**
 * The SQS handler every pipeline shares (DESIGN.md, "Error model"):
 * - a permanent error writes `failures/<input key>.json` and the message is deleted;
 * - any other error reports the record in batchItemFailures, so SQS redelivers it and
 *   dead-letters it after maxReceiveCount;
 * - exactly one outcome stays per key: a success removes an earlier failure record, a failure
 *   removes an earlier result's manifest;
 * - records run one at a time, so each log line carries exactly its task's key, and a record is
 *   not started when the invocation could time out in it: a timeout would redeliver (and count
 *   against) every record of the batch, finished ones included.
 */
export function createQueueWorkerHandler(options: QueueWorkerOptions): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { pipeline, settings, s3, processObject, resultKey } = options;
  const processor = new BatchProcessor(EventType.SQS);
  let invocation = { context: undefined as Context | undefined, budgetMs: 0, longestMs: 0, started: 0 };

  function ensureTimeFor(record: SQSRecord): void {
    const { context, budgetMs, longestMs, started } = invocation;
    if (!context || started === 0) return;
    const remaining = context.getRemainingTimeInMillis();
    const reserve = Math.max(longestMs * 1.5, budgetMs * 0.1);
    if (remaining < reserve) {
      logger.warn('Record not started: too little time left in this invocation; it will be redelivered', {
        messageId: record.messageId,
        remainingMs: remaining,
        reserveMs: Math.round(reserve),
      });
      throw new NotStartedError(`Not started with ${remaining} ms left (needs ${Math.round(reserve)} ms)`);
    }
  }

  async function processRecord(record: SQSRecord): Promise<void> {
    ensureTimeFor(record);
    invocation.started += 1;
    const began = Date.now();
    logger.appendKeys({ messageId: record.messageId, attempt: Number(record.attributes.ApproximateReceiveCount) });
    try {
      let objects: S3ObjectRef[];
      try {
        objects = objectsFromMessageBody(record.body);
      } catch (error) {
        if (!isPermanentError(error)) throw error;
        // No input key to file a failure record under: log it and let the message go.
        logger.error('Discarding a message that is not an S3 event', { code: error.code, error });
        return;
      }
      for (const object of objects) {
        await processOne(object);
      }
    } finally {
      invocation.longestMs = Math.max(invocation.longestMs, Date.now() - began);
      logger.removeKeys(['messageId', 'attempt', 'key']);
    }
  }

  async function processOne(object: S3ObjectRef): Promise<void> {
    logger.appendKeys({ key: object.key });
    const started = Date.now();
    try {
      await processObject(object);
      await deleteObject(s3, settings.resultsBucket, failureRecordKey(object.key));
      logger.info('Task succeeded', { durationMs: Date.now() - started });
    } catch (error) {
      if (!isPermanentError(error)) {
        logger.error('Task failed; the message will be retried', { error, durationMs: Date.now() - started });
        throw error;
      }
      const record: FailureRecord = {
        input: { bucket: object.bucket, key: object.key },
        pipeline,
        code: error.code,
        message: error.message,
        details: error.details,
        failedAt: new Date().toISOString(),
      };
      await writeJson(s3, settings.resultsBucket, failureRecordKey(object.key), record);
      await deleteObject(s3, settings.resultsBucket, resultKey(object));
      logger.warn('Task rejected its input', { code: error.code, reason: error.message, durationMs: Date.now() - started });
    }
  }

  return async (event, context) => {
    logger.addContext(context);
    invocation = { context, budgetMs: context.getRemainingTimeInMillis(), longestMs: 0, started: 0 };
    return processPartialResponse(event, processRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}
