import { Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { z } from 'zod';
import type { QueuePipeline } from '../pipelines/queue-pipeline.ts';
import type { KitAlerts } from './alerts.ts';
import { DeadLetterRecorder } from './dead-letter-recorder.ts';
import type { KitFunction } from './kit-function.ts';
import { asyncDeadLetterAlarm, deadLetteredTasksAlarm, functionErrorsAlarm, functionThrottlesAlarm, taskFailureAlarm } from './monitoring-alarms.ts';
import { KitDashboard } from './monitoring-dashboard.ts';
import { PipelineTaskMetrics } from './monitoring-metrics.ts';
import { TaskApi } from './task-api.ts';
import { WorkQueue } from './work-queue.ts';

/** Config `monitoring`: the task alarms' thresholds (they exist with `alerts`) and the optional dashboard. */
export const monitoringConfigSchema = z.strictObject({
  /**
   * A CloudWatch dashboard named after the stack, a section per pipeline. Beyond an account's first
   * three, a dashboard costs $3 a month.
   * @default false
   */
  dashboard: z.boolean().default(false),
  /** A pipeline's task failure alarm fires above this percent of finished tasks failing. @default 5 */
  taskFailureRatePercent: z.number().gt(0, 'more than 0 percent').max(100, 'at most 100 percent').default(5),
  /**
   * The window the failure rate is measured over, in whole minutes: 1 at the least (CloudWatch's
   * period for log-based metrics), 60 at most, so a failing pipeline still pages within the hour.
   * @default 5
   */
  evaluationMinutes: z.number().int('whole minutes').min(1, 'at least 1 minute').max(60, 'at most 60 minutes').default(5),
  /** Finished tasks a window needs before its failure rate counts: below it the rate is 0, so one bad upload at night does not page. @default 10 */
  minTasks: z.number().int('a whole number of tasks').min(1, 'at least 1 task').max(100_000, 'at most 100000 tasks').default(10),
});
export type MonitoringConfig = z.infer<typeof monitoringConfigSchema>;
export const MONITORING_DEFAULTS: MonitoringConfig = monitoringConfigSchema.parse({});

export interface KitMonitoringProps {
  readonly config: MonitoringConfig;
  /** The alarm destination; alarms beyond the dead-letter ones are created when it is set. @default none */
  readonly alerts?: KitAlerts;
  readonly pipelines: readonly QueuePipeline[];
  /**
   * Every KitFunction of the stack. The dead-letter recorder and the task API are found among them
   * (by their constructs), for the dead-letter count and the dashboard's task API section.
   */
  readonly functions: readonly KitFunction[];
}

/**
 * The stack's monitoring, built after everything it watches:
 * - task metrics per pipeline from metric filters on the worker's (and the recorder's) logs,
 *   created when something reads them (alerts or the dashboard): custom metrics are billed;
 * - with `alerts`: Errors and Throttles alarms on every KitFunction, a task failure-rate alarm per
 *   pipeline and one on its first dead-lettered task (the recorder drains the DLQ faster than the
 *   queue's depth alarm samples it), all notifying on alarm and on recovery. The work queues'
 *   dead-letter alarms get the same action from their pipelines; a function's own dead-letter
 *   queue (failed async invocations) gets its alarm here, with or without alerts, like every DLQ
 *   of the kit;
 * - with `dashboard`: one dashboard named after the stack.
 */
export class KitMonitoring extends Construct {
  /** Every alarm this construct created. */
  public readonly alarms: cloudwatch.Alarm[] = [];
  /** The dead-letter alarms of the stack's work queues, created with their queues. */
  public readonly deadLetterAlarms: cloudwatch.Alarm[];
  /** Task metrics by pipeline id; empty without alerts and dashboard. */
  public readonly taskMetrics = new Map<string, PipelineTaskMetrics>();
  /** Task failure-rate alarms by pipeline id (with alerts). */
  public readonly taskFailureAlarms = new Map<string, cloudwatch.Alarm>();
  /** Alarms on the first dead-lettered task, by pipeline id (with alerts and a dead-letter recorder). */
  public readonly deadLetteredAlarms = new Map<string, cloudwatch.Alarm>();
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: KitMonitoringProps) {
    super(scope, id);
    const config = monitoringConfigSchema.parse(props.config);
    const { alerts } = props;
    const stack = Stack.of(this);
    const workQueues = stack.node.findAll().filter((c): c is WorkQueue => c instanceof WorkQueue);
    this.deadLetterAlarms = workQueues.map((q) => q.deadLetterAlarm);
    const recorder = props.functions.find((fn) => fn.node.scope instanceof DeadLetterRecorder);
    const period = Duration.minutes(config.evaluationMinutes);
    const notify = (alarm: cloudwatch.Alarm) => {
      alerts?.notifyOn(alarm);
      this.alarms.push(alarm);
    };

    // A dead-letter queue of a function's own (not a WorkQueue's, whose alarm exists already).
    const workQueueDeadLetters = new Set(workQueues.map((q) => q.deadLetterQueue.node.path));
    for (const fn of props.functions) {
      const queue = fn.function.deadLetterQueue;
      if (queue && !workQueueDeadLetters.has(queue.node.path)) notify(asyncDeadLetterAlarm(this, `${alarmId(fn)}DeadLetters`, fn, queue));
    }

    if (alerts || config.dashboard) {
      for (const pipeline of props.pipelines) {
        const metrics = new PipelineTaskMetrics(this, `${pipeline.node.id}Tasks`, {
          pipelineId: pipeline.contract.id,
          workerLogGroup: pipeline.worker.logGroup,
          ...(recorder ? { recorderLogGroup: recorder.logGroup } : {}),
        });
        this.taskMetrics.set(pipeline.contract.id, metrics);
      }
    }

    if (alerts) {
      for (const fn of props.functions) {
        notify(functionErrorsAlarm(this, `${alarmId(fn)}Errors`, fn));
        notify(functionThrottlesAlarm(this, `${alarmId(fn)}Throttles`, fn));
      }
      for (const [pipelineId, metrics] of this.taskMetrics) {
        const alarm = taskFailureAlarm(this, `${metrics.node.id}FailureRate`, metrics, {
          ratePercent: config.taskFailureRatePercent,
          period,
          minTasks: config.minTasks,
        });
        notify(alarm);
        this.taskFailureAlarms.set(pipelineId, alarm);
        if (metrics.countsDeadLetters) {
          const deadLettered = deadLetteredTasksAlarm(this, `${metrics.node.id}DeadLettered`, metrics);
          notify(deadLettered);
          this.deadLetteredAlarms.set(pipelineId, deadLettered);
        }
      }
    }

    if (config.dashboard) {
      const workers = new Set(props.pipelines.map((p) => p.worker));
      const taskApi = props.functions.map((fn) => fn.node.scope).find((c): c is TaskApi => c instanceof TaskApi);
      this.dashboard = new KitDashboard(this, 'Dashboard', {
        pipelines: props.pipelines.map((pipeline) => ({ pipeline, metrics: this.taskMetrics.get(pipeline.contract.id)! })),
        failureRate: { percent: config.taskFailureRatePercent, minTasks: config.minTasks },
        ...(taskApi ? { taskApi } : {}),
        otherFunctions: props.functions.filter((fn) => !workers.has(fn) && fn !== taskApi?.handler),
      }).dashboard;
    }
  }
}

/** A construct id for a function's alarms from its path below the stack, e.g. ImagePipelineFunction. */
function alarmId(fn: KitFunction): string {
  const scopes = fn.node.scopes;
  return scopes
    .slice(scopes.indexOf(Stack.of(fn)) + 1)
    .map((c) => c.node.id)
    .join('')
    .replace(/[^A-Za-z0-9]/g, '');
}
