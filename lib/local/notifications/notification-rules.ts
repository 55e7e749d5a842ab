import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { ResourceIndex } from '../resources/resource-index.ts';

export type NotificationTarget =
  | { readonly kind: 'queue'; readonly arn: string; readonly queueUrl: string; readonly queueName: string }
  | { readonly kind: 'function'; readonly arn: string; readonly functionName: string };

/** One bucket notification configuration: which events on which keys go where. */
export interface NotificationRule {
  readonly id: string;
  readonly bucket: string;
  /** As configured, e.g. `s3:ObjectCreated:*`. */
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
  readonly target: NotificationTarget;
}

interface RawConfiguration {
  Id?: string;
  Events?: string[];
  Event?: string;
  QueueArn?: string;
  Queue?: string;
  LambdaFunctionArn?: string;
  Function?: string;
  TopicArn?: string;
  Topic?: string;
  Filter?: { Key?: { FilterRules?: { Name: string; Value: string }[] }; S3Key?: { Rules?: { Name: string; Value: string }[] } };
}

interface RawNotificationConfiguration {
  QueueConfigurations?: RawConfiguration[];
  LambdaFunctionConfigurations?: RawConfiguration[];
  LambdaConfigurations?: RawConfiguration[];
  TopicConfigurations?: RawConfiguration[];
  EventBridgeConfiguration?: { EventBridgeEnabled?: unknown };
}

/**
 * Buckets that publish their object events to EventBridge's default bus: a bucket's own
 * `NotificationConfiguration.EventBridgeConfiguration` (unless `EventBridgeEnabled` is false), or
 * the `EventBridgeConfiguration: {}` CDK's Custom::S3BucketNotifications carries for
 * `eventBridgeEnabled: true`.
 */
export function readEventBridgeBuckets(index: ResourceIndex): Set<string> {
  const buckets = new Set<string>();
  const enabled = (config: RawNotificationConfiguration | undefined) =>
    config?.EventBridgeConfiguration !== undefined && String(config.EventBridgeConfiguration?.EventBridgeEnabled ?? true) !== 'false';
  for (const { stackName, logicalId } of index.resourcesOfType('Custom::S3BucketNotifications')) {
    if (enabled(index.property(stackName, logicalId, 'NotificationConfiguration') as RawNotificationConfiguration | undefined)) {
      buckets.add(String(index.property(stackName, logicalId, 'BucketName')));
    }
  }
  for (const { stackName, logicalId } of index.resourcesOfType('AWS::S3::Bucket')) {
    if (enabled(index.property(stackName, logicalId, 'NotificationConfiguration') as RawNotificationConfiguration | undefined)) {
      buckets.add(index.identity(stackName, logicalId).ref);
    }
  }
  return buckets;
}

/**
 * Bucket notification rules from CDK's Custom::S3BucketNotifications resources and from buckets'
 * own NotificationConfiguration property (the two ways a template can configure them). A rule
 * whose destination is not emulated fails start: a pipeline without its trigger would look
 * alive and never run. Publishing to EventBridge is read by {@link readEventBridgeBuckets}.
 */
export function readNotificationRules(index: ResourceIndex): NotificationRule[] {
  const rules: NotificationRule[] = [];
  for (const { stackName, logicalId } of index.resourcesOfType('Custom::S3BucketNotifications')) {
    const bucket = String(index.property(stackName, logicalId, 'BucketName'));
    const config = (index.property(stackName, logicalId, 'NotificationConfiguration') ?? {}) as RawNotificationConfiguration;
    rules.push(...rulesOf(index, bucket, config, `${stackName}/${logicalId}`));
  }
  for (const { stackName, logicalId } of index.resourcesOfType('AWS::S3::Bucket')) {
    const config = index.property(stackName, logicalId, 'NotificationConfiguration') as RawNotificationConfiguration | undefined;
    if (config) rules.push(...rulesOf(index, index.identity(stackName, logicalId).ref, config, `${stackName}/${logicalId}`));
  }
  return rules;
}

function rulesOf(index: ResourceIndex, bucket: string, config: RawNotificationConfiguration, where: string): NotificationRule[] {
  if (config.TopicConfigurations?.length) {
    throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `${where} sends bucket events to SNS, which the local runtime does not deliver`, {
      where,
    });
  }
  const rules: NotificationRule[] = [];
  const add = (raw: RawConfiguration, target: NotificationTarget) => {
    const filters = raw.Filter?.Key?.FilterRules ?? raw.Filter?.S3Key?.Rules ?? [];
    const value = (name: string) => filters.find((f) => f.Name.toLowerCase() === name)?.Value ?? '';
    rules.push({
      id: raw.Id ?? `${where}#${rules.length}`,
      bucket,
      events: raw.Events ?? (raw.Event ? [raw.Event] : []),
      prefix: value('prefix'),
      suffix: value('suffix'),
      target,
    });
  };
  for (const raw of config.QueueConfigurations ?? []) {
    const arn = String(raw.QueueArn ?? raw.Queue);
    const queue = index.findByArn(arn);
    if (queue?.type !== 'AWS::SQS::Queue') {
      throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `${where} notifies queue ${arn}, which is not in the assembly`, { where, arn });
    }
    add(raw, { kind: 'queue', arn, queueUrl: queue.attributes.QueueUrl!, queueName: queue.attributes.QueueName! });
  }
  for (const raw of [...(config.LambdaFunctionConfigurations ?? []), ...(config.LambdaConfigurations ?? [])]) {
    const arn = String(raw.LambdaFunctionArn ?? raw.Function);
    const fn = index.findByArn(arn);
    if (fn?.type !== 'AWS::Lambda::Function') {
      throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `${where} notifies function ${arn}, which is not in the assembly`, { where, arn });
    }
    add(raw, { kind: 'function', arn, functionName: fn.ref });
  }
  return rules;
}

/** Whether an event (e.g. `ObjectCreated:Put`) on `key` matches a rule, as S3 evaluates it. */
export function ruleMatches(rule: NotificationRule, eventName: string, key: string): boolean {
  if (!key.startsWith(rule.prefix) || !key.endsWith(rule.suffix)) return false;
  const full = `s3:${eventName}`;
  return rule.events.some((pattern) => (pattern.endsWith(':*') ? full.startsWith(pattern.slice(0, -1)) : pattern === full));
}
