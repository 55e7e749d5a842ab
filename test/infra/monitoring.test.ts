import { App, type CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { nagPacks } from '../../lib/app.ts';
import { KitFunction } from '../../lib/constructs/kit-function.ts';
import { MONITORING_DEFAULTS } from '../../lib/constructs/kit-monitoring.ts';
import { taskLogPatterns, TaskMetricName } from '../../lib/constructs/monitoring-metrics.ts';
import { loadKitConfig } from '../../lib/presets/index.ts';
import type { KitStack } from '../../lib/stacks/kit-stack.ts';
import { resources, synthKit } from './synth.ts';

const ALERTS = { alerts: { email: 'ops@example.com' } };
const PIPELINES = ['image', 'settlement', 'video', 'inference'];

type Resource = { Properties: Record<string, any> };
const alarms = (template: Template) => resources(template, 'AWS::CloudWatch::Alarm');
const logicalId = (stack: KitStack, element: unknown) => stack.getLogicalId(element as CfnElement);
const kitFunctions = (stack: KitStack) => stack.node.findAll().filter((c): c is KitFunction => c instanceof KitFunction);
/** Alarms on one AWS/Lambda metric, by the function they watch. */
function functionAlarms(template: Template, metricName: string): Map<string, Resource['Properties']> {
  const watched = Object.values(alarms(template)).filter((a) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === metricName);
  return new Map(watched.map((a) => [a.Properties.Dimensions.find((d: any) => d.Name === 'FunctionName').Value.Ref as string, a.Properties]));
}
function taskFailureAlarms(template: Template): Resource['Properties'][] {
  return Object.values(alarms(template))
    .filter((a) => a.Properties.Metrics?.some((m: any) => String(m.Expression).startsWith('IF(finished')))
    .map((a) => a.Properties);
}
const namespacesOf = (alarm: Resource['Properties']) => new Set(alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.Namespace));

describe('monitoring: config', () => {
  it('defaults to a 5% failure rate over 5 minutes once 10 tasks ran, and no dashboard', () => {
    expect(MONITORING_DEFAULTS).toEqual({ dashboard: false, taskFailureRatePercent: 5, evaluationMinutes: 5, minTasks: 10 });
  });

  it.each([
    [{ taskFailureRatePercent: 0 }, /monitoring.taskFailureRatePercent: more than 0 percent/],
    [{ taskFailureRatePercent: 101 }, /monitoring.taskFailureRatePercent: at most 100 percent/],
    [{ evaluationMinutes: 0 }, /monitoring.evaluationMinutes: at least 1 minute/],
    [{ evaluationMinutes: 61 }, /monitoring.evaluationMinutes: at most 60 minutes/],
    [{ evaluationMinutes: 2.5 }, /monitoring.evaluationMinutes: whole minutes/],
    [{ minTasks: 0 }, /monitoring.minTasks: at least 1 task/],
    [{ dashbord: true }, /monitoring.dashbord: unknown field/],
  ])('refuses %j with a message naming the field', (monitoring, message) => {
    expect(() => loadKitConfig({ preset: 'all', override: { monitoring } })).toThrow(message);
  });
});

describe('monitoring: alarms with alerts', () => {
  const { stack, template } = synthKit('all', ALERTS);
  const [topicId] = Object.keys(resources(template, 'AWS::SNS::Topic'));

  it('gives every alarm in the stack an alarm action and an OK action on the alerts topic', () => {
    const all = Object.entries(alarms(template));
    // 5 work-queue DLQs + the indexer's DLQ + Errors and Throttles of 8 functions + 4 pipelines' failure rates and dead letters.
    expect(all).toHaveLength(5 + 1 + 2 * 8 + 4 * 2);
    for (const [id, alarm] of all) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions, id).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.TreatMissingData, id).toBe('notBreaching');
    }
  });

  it("watches Errors and Throttles of every function the kit owns, and only CDK's deploy-time handler goes without", () => {
    const owned = kitFunctions(stack).map((fn) => logicalId(stack, fn.function.node.defaultChild));
    expect(owned).toHaveLength(8);
    // CDK's Custom::S3BucketNotifications handler runs once per deployment, inside CloudFormation,
    // which reports its failure as a failed deployment: there is nothing to page about afterwards.
    const others = Object.keys(resources(template, 'AWS::Lambda::Function')).filter((id) => !owned.includes(id));
    expect(others).toEqual([expect.stringMatching(/^BucketNotificationsHandler050a0587b7544547bf325f094a3db834/)]);

    const errors = functionAlarms(template, 'Errors');
    const throttles = functionAlarms(template, 'Throttles');
    expect([...errors.keys()].sort()).toEqual([...owned].sort());
    expect([...throttles.keys()].sort()).toEqual([...owned].sort());
    for (const fn of kitFunctions(stack)) {
      const id = logicalId(stack, fn.function.node.defaultChild);
      const path = fn.node.path;
      expect(errors.get(id)).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(throttles.get(id)).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 1, EvaluationPeriods: 2, DatapointsToAlarm: 2 });
      expect(JSON.stringify(errors.get(id)!.AlarmDescription)).toContain(path);
      expect(JSON.stringify(throttles.get(id)!.AlarmDescription)).toContain(path);
    }
  });

  it("alarms on the indexer's own dead-letter queue, where failed async invocations and undeliverable events go", () => {
    const indexDlq = logicalId(stack, stack.inferencePipeline!.indexDeadLetterQueue.node.defaultChild);
    const watching = Object.values(alarms(template)).filter((a) => a.Properties.Dimensions?.some((d: any) => d.Value?.['Fn::GetAtt']?.[0] === indexDlq));
    expect(watching).toHaveLength(1);
    expect(watching[0]!.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('alarms on each pipeline\'s task failure rate with the default thresholds, counting dead letters', () => {
    const failures = taskFailureAlarms(template);
    expect(failures.map((a) => [...namespacesOf(a)]).sort()).toEqual(PIPELINES.map((id) => [`MediaKit/MediaKit-all/${id}`]).sort());
    for (const alarm of failures) {
      expect(alarm).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
      const byId = new Map<string, any>(alarm.Metrics.map((m: any) => [m.Id, m]));
      expect(alarm.Metrics.find((m: any) => m.ReturnData).Expression).toBe('IF(finished >= 10, 100 * failed / finished, 0)');
      expect(alarm.Metrics.filter((m: any) => m.ReturnData)).toHaveLength(1);
      expect(byId.get('failed').Expression).toBe('(FILL(rejected, 0) + FILL(deadLettered, 0))');
      expect(byId.get('finished').Expression).toBe('FILL(succeeded, 0) + (FILL(rejected, 0) + FILL(deadLettered, 0))');
      for (const [id, name] of [['succeeded', 'TasksSucceeded'], ['rejected', 'TasksFailed'], ['deadLettered', 'TasksDeadLettered']] as const) {
        expect(byId.get(id).MetricStat).toMatchObject({ Metric: { MetricName: name }, Period: 300, Stat: 'Sum' });
      }
    }
  });

  it('alarms on the first dead-lettered task of each pipeline, counted from the recorder\'s log (it drains the DLQ faster than its depth is sampled)', () => {
    const deadLettered = Object.values(alarms(template)).filter((a) => a.Properties.MetricName === TaskMetricName.DEAD_LETTERED);
    expect(deadLettered.map((a) => a.Properties.Namespace).sort()).toEqual(PIPELINES.map((id) => `MediaKit/MediaKit-all/${id}`).sort());
    for (const alarm of deadLettered) {
      expect(alarm.Properties).toMatchObject({ Statistic: 'Sum', Period: 60, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 });
    }
    expect([...stack.monitoring.deadLetteredAlarms.keys()].sort()).toEqual([...PIPELINES].sort());
  });

  it('takes the rate, window and minimum volume from config, and leaves dead letters out without a task table', () => {
    const { template: custom } = synthKit('all', { ...ALERTS, tasks: { enabled: false }, monitoring: { taskFailureRatePercent: 12.5, evaluationMinutes: 15, minTasks: 3 } });
    const failures = taskFailureAlarms(custom);
    expect(failures).toHaveLength(4);
    for (const alarm of failures) {
      expect(alarm.Threshold).toBe(12.5);
      expect(alarm.AlarmDescription).toMatch(/more than 12.5% of its tasks failed over 15 minute\(s\).*at least 3 tasks/);
      const expressions = alarm.Metrics.filter((m: any) => m.Expression).map((m: any) => m.Expression);
      expect(expressions).toContain('IF(finished >= 3, 100 * failed / finished, 0)');
      expect(expressions.join(' ')).not.toContain('deadLettered');
      for (const m of alarm.Metrics.filter((m: any) => m.MetricStat)) expect(m.MetricStat.Period).toBe(900);
    }
    expect(Object.values(alarms(custom)).filter((a) => a.Properties.MetricName === TaskMetricName.DEAD_LETTERED)).toEqual([]);
    custom.resourceCountIs('AWS::Logs::MetricFilter', PIPELINES.length * 4);
  });
});

describe('monitoring: task metrics', () => {
  const { stack, template } = synthKit('all', ALERTS);
  const filters = Object.values(resources(template, 'AWS::Logs::MetricFilter')).map((f) => f.Properties);
  const recorderLogs = logicalId(stack, stack.deadLetterRecorder!.handler.logGroup.node.defaultChild);

  it("puts each pipeline's filters on its worker's log group and its dead-letter filter on the recorder's, under the stack's namespace", () => {
    expect(filters).toHaveLength(PIPELINES.length * 5);
    for (const pipeline of stack.pipelines) {
      const id = pipeline.contract.id;
      const patterns = taskLogPatterns(id);
      const workerLogs = logicalId(stack, pipeline.worker.logGroup.node.defaultChild);
      const mine = filters.filter((f) => f.MetricTransformations[0].MetricNamespace === `MediaKit/MediaKit-all/${id}`);
      const byName = new Map(mine.map((f) => [f.MetricTransformations[0].MetricName, f]));
      expect([...byName.keys()].sort()).toEqual(Object.values(TaskMetricName).sort());
      for (const [name, filter] of byName) {
        expect(filter.FilterPattern, `${id} ${name}`).toBe(patterns[name as TaskMetricName].logPatternString);
        expect(filter.LogGroupName).toEqual({ Ref: name === TaskMetricName.DEAD_LETTERED ? recorderLogs : workerLogs });
      }
      expect(byName.get(TaskMetricName.SUCCEEDED)!.MetricTransformations[0]).toMatchObject({ MetricValue: '1', DefaultValue: 0, Unit: 'Count' });
      expect(byName.get(TaskMetricName.DURATION)!.MetricTransformations[0]).toEqual(expect.objectContaining({ MetricValue: '$.durationMs', Unit: 'Milliseconds' }));
      expect(byName.get(TaskMetricName.DURATION)!.MetricTransformations[0].DefaultValue).toBeUndefined();
      expect(byName.get(TaskMetricName.COST)!.MetricTransformations[0].MetricValue).toBe('$.costMicroUsd');
      // The patterns name the pipeline as its worker logs it: Powertools' service is the pipeline id.
      expect(template.toJSON().Resources[logicalId(stack, pipeline.worker.function.node.defaultChild)].Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(id);
    }
  });

  it('keeps two stacks in one account apart', () => {
    const { template: other } = synthKit('all', { ...ALERTS, stackName: 'MediaKit-staging' });
    const namespaces = new Set(Object.values(resources(other, 'AWS::Logs::MetricFilter')).map((f) => f.Properties.MetricTransformations[0].MetricNamespace));
    expect([...namespaces].sort()).toEqual(PIPELINES.map((id) => `MediaKit/MediaKit-staging/${id}`).sort());
  });
});

describe('monitoring: without alerts', () => {
  const { stack, template } = synthKit('all');

  it('creates no function or task alarms and no metric filters; the dead-letter alarms stay, without actions', () => {
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    const all = Object.values(alarms(template));
    expect(all).toHaveLength(6);
    for (const alarm of all) {
      expect(alarm.Properties.MetricName).toBe('ApproximateNumberOfMessagesVisible');
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
    expect(stack.monitoring.deadLetterAlarms).toHaveLength(5);
    expect(stack.monitoring.alarms).toHaveLength(1);
    expect(stack.monitoring.taskMetrics.size).toBe(0);
  });
});

describe('monitoring: dashboard', () => {
  it('is one dashboard named after the stack, with a section per pipeline and the task API, and needs no alerts', () => {
    const { stack, template } = synthKit('all', { monitoring: { dashboard: true } });
    const dashboards = Object.values(resources(template, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.Properties.DashboardName).toBe('MediaKit-all');
    const widgets = dashboardWidgets(dashboards[0]!.Properties.DashboardBody);
    const headings = widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown as string);
    expect(headings.map((h) => h.split(' —')[0])).toEqual([...PIPELINES.map((id) => `### Pipeline \`${id}\``), '### Task API', '### Other functions']);
    // A section per pipeline: the widgets between its heading and the next, all on its own metrics and resources.
    const sections = sectionsOf(widgets);
    for (const [index, id] of PIPELINES.entries()) {
      const section = sections[index]!;
      expect(section.map((w) => w.properties.title)).toEqual([
        'Tasks (per 5 min)',
        'Task failure rate (%)',
        'Task duration (ms)',
        'Cost (USD)',
        'Work queue',
        'Dead letters',
        'Worker errors and throttles',
        'Worker concurrency',
        'Cost (USD), last day',
      ]);
      const text = JSON.stringify(section);
      expect(text).toContain(`MediaKit/MediaKit-all/${id}`);
      expect(text).not.toMatch(new RegExp(`MediaKit/MediaKit-all/(?!${id}")`));
      const pipeline = stack.pipelines.find((p) => p.contract.id === id)!;
      expect(text).toContain(logicalId(stack, pipeline.worker.function.node.defaultChild));
      expect(text).toContain(logicalId(stack, pipeline.queueWorker.workQueue.deadLetterQueue.node.defaultChild));
      const duration = section.find((w) => w.properties.title === 'Task duration (ms)')!;
      expect(duration.properties.metrics.map((m: any[]) => m.at(-1).stat)).toEqual(['p50', 'p95']);
      const cost = section.find((w) => w.properties.title === 'Cost (USD)')!;
      expect(JSON.stringify(cost)).toContain('IF(finished > 0, FILL(cost, 0) / 1000000 / finished, 0)');
    }
    const api = JSON.stringify(sections[PIPELINES.length]);
    for (const metric of ['"4xx"', '"5xx"', '"Latency"']) expect(api).toContain(metric);
    // Metrics for the dashboard, but alarms only with alerts.
    template.resourceCountIs('AWS::Logs::MetricFilter', PIPELINES.length * 5);
    expect(taskFailureAlarms(template)).toEqual([]);
    expect(stack.monitoring.dashboard).toBeDefined();
  });
});

/** The dashboard body with its tokens (logical ids, the region) written as their JSON, parsed into widgets. */
function dashboardWidgets(body: unknown): { type: string; properties: Record<string, any> }[] {
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part).replace(/"/g, "'"))).join('');
  return (JSON.parse(text) as { widgets: { type: string; properties: Record<string, any> }[] }).widgets;
}

function sectionsOf(widgets: ReturnType<typeof dashboardWidgets>): ReturnType<typeof dashboardWidgets>[] {
  const sections: ReturnType<typeof dashboardWidgets>[] = [];
  for (const widget of widgets) {
    if (widget.type === 'text') sections.push([]);
    else sections.at(-1)!.push(widget);
  }
  return sections;
}

describe('monitoring: cdk-nag', () => {
  it.each([
    { alerts: ALERTS.alerts },
    { alerts: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:on-call' } },
    { ...ALERTS, encryption: { kms: true } },
  ])('keeps AwsSolutions and Serverless clean with %j and the dashboard', (override) => {
    const { stack } = synthKit('all', { ...override, monitoring: { dashboard: true } });
    for (const pack of nagPacks(new App())) expect(pack.validateScope(stack).violations, pack.readPackName).toEqual([]);
  });
});
