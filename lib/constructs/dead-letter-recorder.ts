import { Duration, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECORDER_SETTINGS_ENV, type RecorderSettings } from '../../functions/task-recorder/settings.ts';
import { functionBaseline, KitFunction, type KitFunctionBaseline } from './kit-function.ts';
import { acknowledgeQueueTriggered } from './nag.ts';
import { addQueueEventSource } from './queue-event-source.ts';
import type { KitTaskTable } from './task-table.ts';

/** A pipeline whose dead letters become task records. */
export interface RecordedPipelineQueue {
  readonly id: string;
  readonly ingestPrefix: string;
  readonly deadLetterQueue: sqs.IQueue;
}

export interface DeadLetterRecorderProps extends KitFunctionBaseline {
  readonly tasks: KitTaskTable;
  readonly pipelines: readonly RecordedPipelineQueue[];
  readonly projectRoot: string;
  /** Where `Task Dead-Lettered` is announced. @default no events */
  readonly bus?: events.IEventBus;
  /** @default 30 */
  readonly ttlDays?: number;
}

/**
 * Every pipeline's dead-letter queue drains into the task table: a task whose last attempt timed
 * out or crashed its environment (no handler code ran to say so) still ends `dead-lettered`, with
 * its message kept for `POST /tasks/{id}/retry` and redrive. Nobody has to read a DLQ by hand.
 */
export class DeadLetterRecorder extends Construct {
  public readonly handler: KitFunction;

  constructor(scope: Construct, id: string, props: DeadLetterRecorderProps) {
    super(scope, id);
    const settings: RecorderSettings = {
      tableName: props.tasks.table.tableName,
      ttlDays: props.ttlDays ?? 30,
      ...(props.bus ? { busName: props.bus.eventBusName } : {}),
      pipelines: props.pipelines.map((p) => ({ id: p.id, ingestPrefix: p.ingestPrefix, deadLetterQueueArn: p.deadLetterQueue.queueArn })),
    };
    this.handler = new KitFunction(this, 'Handler', {
      entry: `${props.projectRoot}/functions/task-recorder/handler.ts`,
      projectRoot: props.projectRoot,
      description: 'serverless-media-kit dead-letter recorder: dead-lettered messages become task records',
      serviceName: 'task-recorder',
      memorySize: 256,
      timeout: Duration.seconds(30),
      ...functionBaseline(props),
      environment: { [RECORDER_SETTINGS_ENV]: Stack.of(this).toJsonString(settings) },
    });
    props.tasks.grantRecorder(this.handler.function);
    props.bus?.grantPutEventsTo(this.handler.function);
    for (const pipeline of props.pipelines) {
      addQueueEventSource(this.handler.function, pipeline.deadLetterQueue, { batchSize: 10, maxConcurrency: 2, encryption: props.encryption });
    }
    acknowledgeQueueTriggered(this.handler, "the pipelines' dead-letter queues (a record it cannot write stays in its DLQ for the queue's 14-day retention)");
  }
}
