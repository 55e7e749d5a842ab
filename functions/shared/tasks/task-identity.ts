import type { Architecture } from '../cost/estimate.ts';
import type { S3ObjectRef } from '../s3-event.ts';
import type { TaskIdentity } from './task-ledger.ts';
import { submittedTaskIdOf, uploadTaskId } from './task-id.ts';

/** What the worker and the dead-letter recorder know of an object from its S3 event. */
export type EventObject = Pick<S3ObjectRef, 'bucket' | 'key' | 'size' | 'eTag' | 'versionId' | 'sequencer' | 'eventTime'>;

/**
 * The task an S3 event belongs to: a submitted task when the key has the task API's shape
 * (`<ingestPrefix><id>…`), otherwise the upload's own task, derived from bucket, key, sequencer
 * and event time so that every delivery of one event names the same task.
 */
export function taskIdentityOf(pipeline: { readonly id: string; readonly ingestPrefix: string }, object: EventObject, architecture?: Architecture): TaskIdentity {
  const eventTimeMs = object.eventTime ? Date.parse(object.eventTime) : Number.NaN;
  const createdAt = Number.isFinite(eventTimeMs) ? eventTimeMs : 0;
  const submitted = submittedTaskIdOf(pipeline.ingestPrefix, object.key);
  const input = {
    bucket: object.bucket,
    key: object.key,
    ...(object.size !== undefined ? { size: object.size } : {}),
    ...(object.eTag ? { eTag: object.eTag } : {}),
    ...(object.versionId ? { versionId: object.versionId } : {}),
    ...(object.sequencer ? { sequencer: object.sequencer } : {}),
  };
  return {
    taskId: submitted ?? uploadTaskId({ ...input, eventTimeMs: createdAt }),
    pipeline: pipeline.id,
    origin: submitted ? 'api' : 'upload',
    input,
    createdAt,
    ...(architecture ? { architecture } : {}),
  };
}
