import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { addKit, nagPacks } from '../../lib/app.ts';
import { KitEventSubscription } from '../../lib/constructs/kit-event-bus.ts';
import { WorkQueue } from '../../lib/constructs/work-queue.ts';
import { loadKitConfig } from '../../lib/presets/index.ts';

/** A subscription as the README shows it: one line, no dead-letter queue named. */
function subscribed(override?: unknown) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = addKit(app, loadKitConfig({ preset: 'entertainment', override }), { nag: false });
  const inbox = new WorkQueue(stack, 'Inbox', { consumerTimeout: Duration.seconds(30), encryption: stack.encryption });
  const subscription = new KitEventSubscription(stack, 'OnFailures', { bus: stack.bus.bus, detailTypes: ['Task Failed'], target: inbox.queue, encryption: stack.encryption });
  return { app, stack, subscription, template: Template.fromStack(stack) };
}

describe('KitEventSubscription', () => {
  it("dead-letters what its target cannot take into a queue of its own, so EventBridge never drops an event", () => {
    const { stack, subscription, template } = subscribed();
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find((r) => JSON.stringify(r).includes('Task Failed'))!;
    const dlqId = stack.getLogicalId(subscription.deadLetterQueue.node.defaultChild as never);
    expect(rule.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
    expect(template.findResources('AWS::SQS::Queue')[dlqId]!.Properties).toMatchObject({ MessageRetentionPeriod: 14 * 86_400, SqsManagedSseEnabled: true });
    // …and alarms on its first message, as every dead-letter queue of the kit does.
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((r) => JSON.stringify(r).includes(dlqId))!;
    expect(alarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(subscription.deadLetterAlarm).toBeDefined();
  });

  it('encrypts its dead-letter queue with the stack key when given one, and stays clean under AwsSolutions and Serverless', () => {
    const { app, stack, subscription, template } = subscribed({ encryption: { kms: true } });
    const dlq = template.findResources('AWS::SQS::Queue')[stack.getLogicalId(subscription.deadLetterQueue.node.defaultChild as never)]!;
    expect(JSON.stringify(dlq.Properties.KmsMasterKeyId)).toContain('Encryption');
    for (const pack of nagPacks(app)) expect(pack.validateScope(stack).violations, pack.constructor.name).toEqual([]);
  });
});
