import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { TaskRecord } from './task-record.ts';

/** Every event the kit publishes carries this source (DESIGN.md, "Tasks"). */
export const KIT_EVENT_SOURCE = 'media-kit';

export const TaskEventType = {
  SUCCEEDED: 'Task Succeeded',
  FAILED: 'Task Failed',
  DEAD_LETTERED: 'Task Dead-Lettered',
} as const;
export type TaskEventType = (typeof TaskEventType)[keyof typeof TaskEventType];

/** What a task event tells a consumer: ids and keys, never the media. */
export interface TaskEventDetail {
  readonly taskId: string;
  readonly pipeline: string;
  readonly state: TaskRecord['state'];
  readonly input: { readonly bucket: string; readonly key: string };
  readonly resultKey?: string;
  readonly failure?: { readonly code: string; readonly message: string; readonly recordKey?: string };
  readonly attempts: number;
  readonly costUsd?: number;
}

export function taskEventDetail(task: TaskRecord): TaskEventDetail {
  return {
    taskId: task.taskId,
    pipeline: task.pipeline,
    state: task.state,
    input: { bucket: task.input.bucket, key: task.input.key },
    ...(task.resultKey ? { resultKey: task.resultKey } : {}),
    ...(task.failure ? { failure: { code: task.failure.code, message: task.failure.message, ...(task.failure.recordKey ? { recordKey: task.failure.recordKey } : {}) } } : {}),
    attempts: task.attemptCount,
    costUsd: task.costUsd,
  };
}

/** The detail-type a task's terminal state is announced with; none for states nobody subscribes to. */
export function taskEventTypeOf(state: TaskRecord['state']): TaskEventType | undefined {
  if (state === 'succeeded') return TaskEventType.SUCCEEDED;
  if (state === 'failed') return TaskEventType.FAILED;
  if (state === 'dead-lettered') return TaskEventType.DEAD_LETTERED;
  return undefined;
}

/** PutEvents on the kit's bus; an entry EventBridge refuses is an error, never a silent loss. */
export class KitEventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    readonly busName: string,
  ) {}

  async publish(detailType: string, detail: object, resources: readonly string[] = []): Promise<void> {
    const entry: PutEventsRequestEntry = {
      EventBusName: this.busName,
      Source: KIT_EVENT_SOURCE,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
      ...(resources.length > 0 ? { Resources: [...resources] } : {}),
    };
    const response = await this.client.send(new PutEventsCommand({ Entries: [entry] }));
    if ((response.FailedEntryCount ?? 0) > 0) {
      const failed = response.Entries?.find((e) => e.ErrorCode);
      throw new Error(`EventBridge refused the '${detailType}' event on ${this.busName}: ${failed?.ErrorCode ?? 'unknown'} ${failed?.ErrorMessage ?? ''}`.trim());
    }
  }

  /** Announces a task's terminal state, if it is one consumers subscribe to. */
  async publishTask(task: TaskRecord): Promise<void> {
    const type = taskEventTypeOf(task.state);
    if (type) await this.publish(type, taskEventDetail(task));
  }
}
