import type { TaskIdentity } from '../shared/tasks/task-ledger.ts';
import type { TaskError, TaskRecord } from '../shared/tasks/task-record.ts';
import { taskIdentityOf, type EventObject } from '../shared/tasks/task-identity.ts';

/** A pipeline whose dead-letter queue the recorder drains. */
export interface RecordedPipeline {
  readonly id: string;
  readonly ingestPrefix: string;
  readonly deadLetterQueueArn: string;
}

export interface DeadLetter {
  readonly task: TaskIdentity;
  /** The message exactly as it left the work queue: what a retry sends back. */
  readonly retryMessage: string;
}

/**
 * The tasks one dead-lettered message carries. `objects` is the message's S3 event, parsed by the
 * shared reader (which throws for a message that is not one: that message stays in the queue).
 */
export function deadLettersOf(pipeline: RecordedPipeline, objects: readonly EventObject[], body: string): DeadLetter[] {
  return objects.map((object) => ({ task: taskIdentityOf(pipeline, object), retryMessage: body }));
}

/** Why the task died, from what its attempts recorded (nothing, when its environment never ran it). */
export function deadLetterError(existing: TaskRecord | undefined): TaskError {
  const attempts = existing?.attemptCount ?? 0;
  const last = existing?.attempts.at(-1);
  const why = last?.error ? `last error: ${last.error.code}: ${last.error.message}` : last ? 'its last attempt ended without a result (timeout or crash)' : 'no attempt recorded a result (timeout or crash before the worker ran)';
  return { code: 'DEAD_LETTERED', message: `Moved to the dead-letter queue after ${attempts} recorded attempt(s); ${why}` };
}
