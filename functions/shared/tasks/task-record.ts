import type { Architecture } from '../cost/estimate.ts';
import type { S3ObjectRef } from '../s3-event.ts';
import type { TaskState } from './task-states.ts';

/** The object a task works on, as its S3 event named it. */
export type TaskInput = Pick<S3ObjectRef, 'bucket' | 'key' | 'size' | 'eTag' | 'versionId' | 'sequencer'>;

export interface TaskError {
  readonly code: string;
  readonly message: string;
}

/** One delivery of a task to its function, as Lambda would bill it. Times are epoch ms. */
export interface TaskAttempt {
  readonly attempt: number;
  readonly requestId: string;
  /** The message's receive count for this attempt (1 = first delivery). */
  readonly receiveCount?: number;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly durationMs?: number;
  readonly billedDurationMs?: number;
  readonly memoryMb: number;
  readonly memoryUsedMb?: number;
  /** The state this attempt ended the task in. */
  readonly outcome?: TaskState;
  readonly error?: TaskError;
}

/** A task's record in the task table (DESIGN.md, "Tasks"). */
export interface TaskRecord {
  readonly taskId: string;
  readonly pipeline: string;
  readonly state: TaskState;
  /** How the task came in: an upload's S3 event or a `POST /tasks`. */
  readonly origin: 'upload' | 'api';
  readonly input: TaskInput;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt?: number;
  readonly attempts: readonly TaskAttempt[];
  readonly attemptCount: number;
  /** The result document's key in the results bucket, on success. */
  readonly resultKey?: string;
  readonly failure?: TaskError & { readonly recordKey?: string; readonly details?: Record<string, unknown> };
  readonly architecture?: Architecture;
  readonly gbSeconds: number;
  readonly costUsd: number;
  /** Retries a user asked for (each a new attempt of this task). */
  readonly retries?: number;
  /** The queue message that carried the task, kept once it is dead-lettered so it can be retried. */
  readonly retryMessage?: string;
  readonly stopRequestedAt?: number;
  readonly expiresAt?: number;
}
