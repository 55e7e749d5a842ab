import { encodeS3Key } from '../keys.ts';
import type { TaskRecord } from './task-record.ts';

/**
 * The queue message that runs a reopened task again: the message it was dead-lettered with, or
 * else an S3 event for its input as S3 itself would send it — same key, eTag, sequencer and event
 * time, so the worker derives the same task id and reads the same version.
 */
export function retryMessageOf(task: TaskRecord, region: string): string {
  if (task.retryMessage) return task.retryMessage;
  const { input } = task;
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: new Date(task.createdAt).toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: input.bucket, arn: `arn:aws:s3:::${input.bucket}` },
          object: {
            key: encodeS3Key(input.key),
            ...(input.size !== undefined ? { size: input.size } : {}),
            ...(input.eTag ? { eTag: input.eTag } : {}),
            ...(input.versionId ? { versionId: input.versionId } : {}),
            ...(input.sequencer ? { sequencer: input.sequencer } : {}),
          },
        },
      },
    ],
  });
}
