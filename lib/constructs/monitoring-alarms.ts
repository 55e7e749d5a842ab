import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { KitFunction } from './kit-function.ts';
import { TaskMetricName, type PipelineTaskMetrics } from './monitoring-metrics.ts';

/** The window of the function alarms: short enough to page while it matters, long enough to sum a burst. */
export const FUNCTION_ALARM_PERIOD = Duration.minutes(5);

/**
 * Errors of one function: any invocation error in five minutes. The kit's handlers classify what
 * goes wrong themselves (a rejected input is recorded, a transient error reported as a batch item
 * failure), so an invocation error is a crash, a timeout or an out-of-memory kill: worth a look
 * even once.
 */
export function functionErrorsAlarm(scope: Construct, id: string, fn: KitFunction): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: `serverless-media-kit function ${fn.node.path} (${fn.function.functionName}) had invocation errors: crashes, timeouts or out-of-memory kills its handler could not report`,
    metric: fn.function.metricErrors({ period: FUNCTION_ALARM_PERIOD, statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/**
 * Throttles of one function for ten minutes running. SQS pollers and asynchronous invocations
 * retry a throttled call, so a short burst costs only latency; throttling that lasts means the
 * account's or the function's concurrency is exhausted and work is backing up.
 */
export function functionThrottlesAlarm(scope: Construct, id: string, fn: KitFunction): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: `serverless-media-kit function ${fn.node.path} (${fn.function.functionName}) was throttled for 10 minutes: concurrency is exhausted and its work is delayed`,
    metric: fn.function.metricThrottles({ period: FUNCTION_ALARM_PERIOD, statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

export interface TaskFailureAlarmOptions {
  /** Percent of finished tasks. */
  readonly ratePercent: number;
  readonly period: Duration;
  /** Finished tasks in the period below which the rate counts as 0. */
  readonly minTasks: number;
}

/** A pipeline's task failure rate (rejected inputs and dead letters) above a percentage, once enough tasks ran. */
export function taskFailureAlarm(scope: Construct, id: string, metrics: PipelineTaskMetrics, options: TaskFailureAlarmOptions): cloudwatch.Alarm {
  const minutes = options.period.toMinutes();
  const counted = metrics.countsDeadLetters ? 'rejected inputs (failure records) and dead-lettered tasks' : 'rejected inputs (failure records)';
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: `serverless-media-kit pipeline '${metrics.pipelineId}': more than ${options.ratePercent}% of its tasks failed over ${minutes} minute(s) (${counted}; only once at least ${options.minTasks} tasks finished)`,
    metric: metrics.failureRate({ period: options.period, minTasks: options.minTasks }),
    threshold: options.ratePercent,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/**
 * A pipeline's dead-lettered tasks, from the recorder's log: the first one alarms. The recorder
 * drains the pipeline's DLQ into the task table within a second, so the queue's own depth alarm
 * (a per-minute sample of visible messages) rarely sees a message; this one counts each.
 */
export function deadLetteredTasksAlarm(scope: Construct, id: string, metrics: PipelineTaskMetrics): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: `serverless-media-kit pipeline '${metrics.pipelineId}': tasks were dead-lettered, every retry failed (media-kit tasks list --state dead-lettered; retry or redrive from the task API)`,
    metric: metrics.metric(TaskMetricName.DEAD_LETTERED, { period: Duration.minutes(1), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/**
 * A dead-letter queue that is not a WorkQueue's (which has its own alarm): the one a function's
 * failed asynchronous invocations and undeliverable events go to. Same rule as WorkQueue's: the
 * first message alarms.
 */
export function asyncDeadLetterAlarm(scope: Construct, id: string, fn: KitFunction, queue: sqs.IQueue): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: `Messages reached the dead-letter queue of serverless-media-kit function ${fn.node.path}: events it failed on after every retry, or could not be delivered`,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
