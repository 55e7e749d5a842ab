import type { EventBridgeEvent } from 'aws-lambda';
import { createEventBridgeClient, createS3Client } from '../shared/aws-clients.ts';
import { logger } from '../shared/logger.ts';
import { KitEventPublisher } from '../shared/tasks/task-events.ts';
import { indexResult } from './indexer.ts';
import { loadIndexSettings } from './settings.ts';

/** S3 → EventBridge `Object Created` of `inference/…/result.json` (results bucket) → the per-model daily index. */
const settings = loadIndexSettings();
const s3 = createS3Client();
const events = settings.busName ? new KitEventPublisher(createEventBridgeClient(), settings.busName) : undefined;

interface ObjectCreatedDetail {
  readonly bucket: { readonly name: string };
  readonly object: { readonly key: string; readonly 'version-id'?: string };
}

export async function handler(event: EventBridgeEvent<'Object Created', ObjectCreatedDetail>): Promise<void> {
  const { bucket, object } = event.detail;
  if (bucket.name !== settings.resultsBucket) throw new Error(`Event for bucket ${bucket.name}; this function indexes ${settings.resultsBucket}`);
  // Keys in EventBridge's S3 events are not URL-encoded (unlike S3 notifications).
  const line = await indexResult({ s3, resultsBucket: settings.resultsBucket, ingestPrefix: settings.ingestPrefix, indexPrefix: settings.indexPrefix, events }, object.key, object['version-id']);
  logger.info('Job indexed', { taskId: line.taskId, resultKey: object.key, model: line.model.name, day: line.day, eventId: event.id });
}
