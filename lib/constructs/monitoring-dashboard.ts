import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { QueuePipeline } from '../pipelines/queue-pipeline.ts';
import type { KitFunction } from './kit-function.ts';
import { TaskMetricName, type PipelineTaskMetrics } from './monitoring-metrics.ts';

const PERIOD = Duration.minutes(5);
const HEIGHT = 6;

export interface KitDashboardProps {
  /** Each pipeline with its task metrics, one section each. */
  readonly pipelines: readonly { readonly pipeline: QueuePipeline; readonly metrics: PipelineTaskMetrics }[];
  /** Drawn on the failure-rate graph. */
  readonly failureRate: { readonly percent: number; readonly minTasks: number };
  /** The task API, for a section of its own. @default no task API section */
  readonly taskApi?: { readonly api: apigw.HttpApi; readonly handler: KitFunction };
  /** Functions beside the pipeline workers (leaderboard, indexer, recorder…), whose errors get one graph. @default none */
  readonly otherFunctions?: readonly KitFunction[];
}

/** The stack's dashboard, named after the stack: a section per pipeline, then the task API and the other functions. */
export class KitDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: KitDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: Stack.of(this).stackName });
    for (const { pipeline, metrics } of props.pipelines) this.dashboard.addWidgets(...pipelineSection(pipeline, metrics, props.failureRate));
    if (props.taskApi) this.dashboard.addWidgets(...taskApiSection(props.taskApi));
    if (props.otherFunctions && props.otherFunctions.length > 0) this.dashboard.addWidgets(...otherFunctionsSection(props.otherFunctions));
  }
}

function heading(markdown: string): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({ markdown, width: 24, height: 1 });
}

function graph(title: string, left: cloudwatch.IMetric[], options: Partial<cloudwatch.GraphWidgetProps> = {}): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, width: 6, height: HEIGHT, ...options });
}

function pipelineSection(pipeline: QueuePipeline, metrics: PipelineTaskMetrics, failureRate: KitDashboardProps['failureRate']): cloudwatch.IWidget[] {
  const id = pipeline.contract.id;
  const worker = pipeline.worker.function;
  const { queue, deadLetterQueue } = pipeline.queueWorker.workQueue;
  const count = (name: TaskMetricName, label: string) => metrics.metric(name, { period: PERIOD, label });
  const tasks = [count(TaskMetricName.SUCCEEDED, 'succeeded'), count(TaskMetricName.FAILED, 'rejected input')];
  if (metrics.countsDeadLetters) tasks.push(count(TaskMetricName.DEAD_LETTERED, 'dead-lettered'));
  const duration = (statistic: string) => metrics.metric(TaskMetricName.DURATION, { period: PERIOD, statistic, label: statistic });
  return [
    heading(`### Pipeline \`${id}\` — tasks from \`${pipeline.contract.ingestPrefix}\`, cost as the task table records it`),
    new cloudwatch.Row(
      graph('Tasks (per 5 min)', tasks, { stacked: true }),
      graph('Task failure rate (%)', [metrics.failureRate({ period: PERIOD, minTasks: failureRate.minTasks })], {
        leftAnnotations: [{ value: failureRate.percent, label: 'alarm threshold', color: cloudwatch.Color.RED }],
        leftYAxis: { min: 0, max: 100 },
      }),
      graph('Task duration (ms)', [duration('p50'), duration('p95')]),
      graph('Cost (USD)', [metrics.costUsd(Duration.hours(1), 'per hour')], {
        right: [metrics.costPerTask(Duration.hours(1))],
      }),
    ),
    new cloudwatch.Row(
      graph('Work queue', [queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum', label: 'waiting' })], {
        right: [queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum', label: 'oldest (s)' })],
        width: 5,
      }),
      graph('Dead letters', [deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum', label: 'in the DLQ' })], { width: 5 }),
      graph(
        'Worker errors and throttles',
        [worker.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'errors' }), worker.metricThrottles({ period: PERIOD, statistic: 'Sum', label: 'throttles' })],
        { width: 5 },
      ),
      graph('Worker concurrency', [worker.metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: 'Maximum', label: 'concurrent executions' })], { width: 5 }),
      new cloudwatch.SingleValueWidget({
        title: 'Cost (USD), last day',
        metrics: [metrics.costUsd(Duration.days(1), 'USD per day')],
        width: 4,
        height: HEIGHT,
      }),
    ),
  ];
}

function taskApiSection({ api, handler }: NonNullable<KitDashboardProps['taskApi']>): cloudwatch.IWidget[] {
  return [
    heading('### Task API'),
    new cloudwatch.Row(
      graph('Requests and errors', [api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' })], {
        right: [api.metricClientError({ period: PERIOD, label: '4xx' }), api.metricServerError({ period: PERIOD, label: '5xx' })],
        width: 8,
      }),
      graph('Latency (ms)', [api.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }), api.metricLatency({ period: PERIOD, statistic: 'p95', label: 'p95' })], { width: 8 }),
      graph(
        'Handler errors and throttles',
        [handler.function.metricErrors({ period: PERIOD, label: 'errors' }), handler.function.metricThrottles({ period: PERIOD, label: 'throttles' })],
        { width: 8 },
      ),
    ),
  ];
}

function otherFunctionsSection(functions: readonly KitFunction[]): cloudwatch.IWidget[] {
  const label = (fn: KitFunction) => fn.node.path.split('/').slice(1).join('/');
  return [
    heading('### Other functions'),
    new cloudwatch.Row(
      graph('Errors', functions.map((fn) => fn.function.metricErrors({ period: PERIOD, statistic: 'Sum', label: label(fn) })), { width: 12 }),
      graph('Throttles', functions.map((fn) => fn.function.metricThrottles({ period: PERIOD, statistic: 'Sum', label: label(fn) })), { width: 12 }),
    ),
  ];
}
