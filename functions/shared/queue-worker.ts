import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isPermanentError, type FailureRecord } from './errors.ts';
import { failureRecordKey } from './keys.ts';
import { logger } from './logger.ts';
import type { PipelineId } from './pipeline-ids.ts';
import { objectsFromMessageBody, type S3ObjectRef } from './s3-event.ts';
import { writeJson } from './s3-io.ts';
import type { WorkerSettings } from './settings.ts';

export interface QueueWorkerOptions {
  readonly pipeline: PipelineId;
  readonly settings: WorkerSettings;
  readonly s3: S3Client;
  /** Does the pipeline's work for one uploaded object; throws PermanentError for bad input. */
  readonly processObject: (object: S3ObjectRef) => Promise<void>;
}

/**
 * The SQS handler every pipeline shares (DESIGN.md, "Error model"):
 * - a permanent error writes `failures/<input key>.json` and the message is deleted;
 * - any other error reports the record in batchItemFailures, so SQS redelivers it and
 *   dead-letters it after maxReceiveCount;
 * - records run one at a time so each log line carries exactly its task's key.
 */
export function createQueueWorkerHandler(options: QueueWorkerOptions): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { pipeline, settings, s3, processObject } = options;
  const processor = new BatchProcessor(EventType.SQS);

  async function processRecord(record: SQSRecord): Promise<void> {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    logger.appendKeys({ messageId: record.messageId, attempt: receiveCount });
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
      logger.removeKeys(['messageId', 'attempt', 'key']);
    }
  }

  async function processOne(object: S3ObjectRef): Promise<void> {
    logger.appendKeys({ key: object.key });
    const started = Date.now();
    try {
      await processObject(object);
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
      logger.warn('Task rejected its input', { code: error.code, reason: error.message, durationMs: Date.now() - started });
    }
  }

  return async (event, context) => {
    logger.addContext(context);
    return processPartialResponse(event, processRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}
