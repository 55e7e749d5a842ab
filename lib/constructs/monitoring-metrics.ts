import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TaskOutcome } from '../../functions/shared/queue-worker.ts';

/** The task metrics each pipeline publishes from its logs. */
export const TaskMetricName = {
  SUCCEEDED: 'TasksSucceeded',
  /** Inputs the pipeline rejected (a failure record), the permanent errors of DESIGN.md. */
  FAILED: 'TasksFailed',
  /** Tasks the dead-letter recorder ended `dead-lettered`: every retry failed. */
  DEAD_LETTERED: 'TasksDeadLettered',
  /** Milliseconds from an object's start to its recorded success or rejection. */
  DURATION: 'TaskDuration',
  /** Estimated USD of each attempt (compute and the requests around it), as the task table records it. */
  COST: 'TaskCost',
} as const;
export type TaskMetricName = (typeof TaskMetricName)[keyof typeof TaskMetricName];

/** The recorder's `outcome` on its `Task dead-lettered` line (functions/task-recorder/handler.ts). */
export const DEAD_LETTERED_OUTCOME = 'dead-lettered';

/**
 * One namespace per stack and pipeline, `MediaKit/<stack>/<pipeline>`: two stacks in one account
 * never share a series, and the metrics carry no dimensions, so their filters can publish 0 for
 * every other log line (a task count then has data whenever the function runs, which keeps the
 * failure-rate math defined).
 */
export function taskMetricNamespace(stack: Stack, pipelineId: string): string {
  return `MediaKit/${stack.stackName}/${pipelineId}`;
}

const outcomeIs = (outcome: TaskOutcome | typeof DEAD_LETTERED_OUTCOME) => logs.FilterPattern.stringValue('$.outcome', '=', outcome);

/**
 * The filter patterns over the shared worker's Powertools JSON lines (functions/shared/queue-worker.ts)
 * and the recorder's. Each names the pipeline too: `service` is the worker's POWERTOOLS_SERVICE_NAME
 * (its pipeline id), `pipeline` the key the recorder appends; a value a metric takes from a field
 * must be matched by the pattern, hence the `>= 0` clauses.
 */
export function taskLogPatterns(pipelineId: string): Record<TaskMetricName, logs.JsonPattern> {
  const { all, any, stringValue, numberValue } = logs.FilterPattern;
  const worker = stringValue('$.service', '=', pipelineId);
  return {
    [TaskMetricName.SUCCEEDED]: all(worker, outcomeIs('succeeded')),
    [TaskMetricName.FAILED]: all(worker, outcomeIs('failed')),
    [TaskMetricName.DEAD_LETTERED]: all(stringValue('$.pipeline', '=', pipelineId), outcomeIs(DEAD_LETTERED_OUTCOME)),
    [TaskMetricName.DURATION]: all(worker, any(outcomeIs('succeeded'), outcomeIs('failed')), numberValue('$.durationMs', '>=', 0)),
    // Every attempt is billed, retried and superseded ones too: the cost of a task is the sum of its attempts.
    [TaskMetricName.COST]: all(
      worker,
      any(outcomeIs('succeeded'), outcomeIs('failed'), outcomeIs('retrying'), outcomeIs('superseded')),
      numberValue('$.costMicroUsd', '>=', 0),
    ),
  };
}

export interface PipelineTaskMetricsProps {
  readonly pipelineId: string;
  /** The pipeline worker's log group. */
  readonly workerLogGroup: logs.ILogGroup;
  /** The dead-letter recorder's log group. @default dead letters are not counted (no task table) */
  readonly recorderLogGroup?: logs.ILogGroup;
}

/**
 * A pipeline's task metrics from CloudWatch Logs metric filters, with no runtime dependency: the
 * worker's outcome lines give successes, rejections, durations and cost; the recorder's give
 * dead letters.
 */
export class PipelineTaskMetrics extends Construct {
  public readonly pipelineId: string;
  public readonly namespace: string;
  /** The filters by metric; no dead-letter filter without a recorder. */
  public readonly filters: Partial<Record<TaskMetricName, logs.MetricFilter>>;

  constructor(scope: Construct, id: string, props: PipelineTaskMetricsProps) {
    super(scope, id);
    this.pipelineId = props.pipelineId;
    this.namespace = taskMetricNamespace(Stack.of(this), props.pipelineId);
    const patterns = taskLogPatterns(props.pipelineId);
    const filter = (name: TaskMetricName, logGroup: logs.ILogGroup, value: Pick<logs.MetricFilterOptions, 'metricValue' | 'defaultValue' | 'unit'>) =>
      new logs.MetricFilter(this, name, { logGroup, filterPattern: patterns[name], metricNamespace: this.namespace, metricName: name, ...value });
    const count = { metricValue: '1', defaultValue: 0, unit: cloudwatch.Unit.COUNT };
    this.filters = {
      [TaskMetricName.SUCCEEDED]: filter(TaskMetricName.SUCCEEDED, props.workerLogGroup, count),
      [TaskMetricName.FAILED]: filter(TaskMetricName.FAILED, props.workerLogGroup, count),
      // No default for values taken from a field: zeros would drag the percentiles and sums.
      [TaskMetricName.DURATION]: filter(TaskMetricName.DURATION, props.workerLogGroup, { metricValue: '$.durationMs', unit: cloudwatch.Unit.MILLISECONDS }),
      [TaskMetricName.COST]: filter(TaskMetricName.COST, props.workerLogGroup, { metricValue: '$.costMicroUsd', unit: cloudwatch.Unit.NONE }),
      ...(props.recorderLogGroup ? { [TaskMetricName.DEAD_LETTERED]: filter(TaskMetricName.DEAD_LETTERED, props.recorderLogGroup, count) } : {}),
    };
  }

  /** Whether dead letters are counted (the stack has a dead-letter recorder). */
  get countsDeadLetters(): boolean {
    return this.filters[TaskMetricName.DEAD_LETTERED] !== undefined;
  }

  metric(name: TaskMetricName, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    if (name === TaskMetricName.DEAD_LETTERED && !this.countsDeadLetters) {
      throw new Error(`Pipeline '${this.pipelineId}' has no dead-letter recorder, so no ${name} metric`);
    }
    return new cloudwatch.Metric({ namespace: this.namespace, metricName: name, statistic: 'Sum', period: Duration.minutes(5), ...props });
  }

  /** Tasks that ended failed: rejected inputs plus dead letters. */
  failedTasks(period: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({ expression: this.failedTerm(), usingMetrics: this.countMetrics(period), period, label: 'failed tasks' });
  }

  /** Tasks that ended succeeded or failed (superseded and skipped ones are neither). */
  finishedTasks(period: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({ expression: `FILL(succeeded, 0) + ${this.failedTerm()}`, usingMetrics: this.countMetrics(period), period, label: 'finished tasks' });
  }

  /**
   * Percent of finished tasks that failed, and 0 below `minTasks` finished tasks in the period: one
   * failure out of one task at 3 a.m. is not a rate.
   */
  failureRate(props: { readonly period: Duration; readonly minTasks: number }): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `IF(finished >= ${props.minTasks}, 100 * failed / finished, 0)`,
      usingMetrics: { finished: this.finishedTasks(props.period), failed: this.failedTasks(props.period) },
      period: props.period,
      label: `failure rate % (0 below ${props.minTasks} tasks)`,
    });
  }

  /** What the period's attempts cost, in USD (the metric counts micro-USD: the log lines carry no exponents). */
  costUsd(period: Duration, label: string): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({ expression: 'FILL(cost, 0) / 1000000', usingMetrics: { cost: this.metric(TaskMetricName.COST, { period }) }, period, label });
  }

  /** USD per finished task over each period. */
  costPerTask(period: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'IF(finished > 0, FILL(cost, 0) / 1000000 / finished, 0)',
      usingMetrics: { finished: this.finishedTasks(period), cost: this.metric(TaskMetricName.COST, { period }) },
      period,
      label: 'USD per task',
    });
  }

  private failedTerm(): string {
    return this.countsDeadLetters ? '(FILL(rejected, 0) + FILL(deadLettered, 0))' : 'FILL(rejected, 0)';
  }

  private countMetrics(period: Duration): Record<string, cloudwatch.IMetric> {
    return {
      succeeded: this.metric(TaskMetricName.SUCCEEDED, { period }),
      rejected: this.metric(TaskMetricName.FAILED, { period }),
      ...(this.countsDeadLetters ? { deadLettered: this.metric(TaskMetricName.DEAD_LETTERED, { period }) } : {}),
    };
  }
}
