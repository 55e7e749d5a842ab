import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { ResourceIndex } from '../resources/resource-index.ts';
import { compileEventPattern, EventPatternError, type EventPattern } from './event-pattern.ts';
import { busName } from './identities.ts';
import { parseScheduleExpression, ScheduleExpressionError, type Schedule } from './schedule-expression.ts';
import { compileTargetInput, TargetInputError, type RawTargetInput, type TargetInput } from './target-input.ts';

export interface Bus {
  readonly name: string;
  readonly arn: string;
}

export type TargetDestination =
  | { readonly kind: 'queue'; readonly queueUrl: string; readonly queueArn: string; readonly fifo: boolean; readonly messageGroupId?: string }
  | { readonly kind: 'function'; readonly functionName: string }
  /** A service the local runtime does not deliver to (Kinesis, Step Functions, API destinations…). */
  | { readonly kind: 'unsupported'; readonly service: string };

export interface RuleTarget {
  readonly id: string;
  readonly arn: string;
  readonly destination: TargetDestination;
  readonly input: TargetInput;
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
  readonly deadLetter?: { readonly arn: string; readonly queueUrl: string };
}

export interface BusRule {
  readonly where: string;
  readonly name: string;
  readonly arn: string;
  readonly bus: string;
  readonly enabled: boolean;
  readonly pattern?: EventPattern;
  readonly schedule?: Schedule;
  readonly scheduleExpression?: string;
  readonly targets: readonly RuleTarget[];
}

/** EventBridge's defaults for a target without a RetryPolicy: 185 retries over 24 hours. */
export const DEFAULT_RETRY_ATTEMPTS = 185;
export const DEFAULT_EVENT_AGE_SECONDS = 86_400;

interface RawTarget extends RawTargetInput {
  readonly Id?: unknown;
  readonly Arn?: unknown;
  readonly RetryPolicy?: { readonly MaximumRetryAttempts?: unknown; readonly MaximumEventAgeInSeconds?: unknown };
  readonly DeadLetterConfig?: { readonly Arn?: unknown };
  readonly SqsParameters?: { readonly MessageGroupId?: unknown };
}

/** The default bus and every AWS::Events::EventBus of the assembly. */
export function readBuses(index: ResourceIndex): Bus[] {
  const { region, accountId } = index.environment;
  const buses: Bus[] = [{ name: 'default', arn: `arn:aws:events:${region}:${accountId}:event-bus/default` }];
  for (const { stackName, logicalId } of index.resourcesOfType('AWS::Events::EventBus')) {
    const identity = index.identity(stackName, logicalId);
    if (index.property(stackName, logicalId, 'EventSourceName') !== undefined) {
      throw new LocalRuntimeError(LocalErrorCode.RESOURCE_UNSUPPORTED, `Event bus ${logicalId} in ${stackName} is a partner event bus, which the local runtime does not emulate`);
    }
    buses.push({ name: identity.ref, arn: identity.attributes.Arn! });
  }
  return buses;
}

/**
 * Every AWS::Events::Rule, validated as PutRule and PutTargets validate: a pattern or schedule
 * that EventBridge would refuse fails start naming the rule, and so does a dead-letter queue
 * the assembly does not have. `resolveFunction` maps a Lambda ARN to a function that runs here.
 */
export function readRules(index: ResourceIndex, buses: readonly Bus[], resolveFunction: (arn: string) => string | undefined): BusRule[] {
  const rules: BusRule[] = [];
  for (const { stackName, logicalId } of index.resourcesOfType('AWS::Events::Rule')) {
    const where = `Rule ${logicalId} in ${stackName}`;
    const prop = (name: string) => index.property(stackName, logicalId, name);
    const fail = (message: string, cause?: unknown): never => {
      throw new LocalRuntimeError(LocalErrorCode.ASSEMBLY_INVALID, `${where}: ${message}`, { stackName, logicalId }, cause ? { cause } : undefined);
    };
    const identity = index.identity(stackName, logicalId);
    const bus = busName(prop('EventBusName'));
    if (!buses.some((b) => b.name === bus)) fail(`its bus ${bus} is not in the assembly`);
    const state = String(prop('State') ?? 'ENABLED');
    if (!['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'].includes(state)) fail(`State ${state} is not ENABLED or DISABLED`);
    const rawPattern = prop('EventPattern');
    const scheduleExpression = prop('ScheduleExpression') as string | undefined;
    if (rawPattern === undefined && scheduleExpression === undefined) fail('it has neither an EventPattern nor a ScheduleExpression');
    let pattern: EventPattern | undefined;
    if (rawPattern !== undefined) {
      try {
        pattern = compileEventPattern(rawPattern);
      } catch (error) {
        if (error instanceof EventPatternError) fail(error.message, error);
        throw error;
      }
    }
    let schedule: Schedule | undefined;
    if (scheduleExpression !== undefined) {
      if (bus !== 'default') fail(`a ScheduleExpression is only supported on the default event bus, not ${bus}`);
      try {
        schedule = parseScheduleExpression(String(scheduleExpression));
      } catch (error) {
        if (error instanceof ScheduleExpressionError) fail(error.message, error);
        throw error;
      }
    }
    const rawTargets = (prop('Targets') as RawTarget[] | undefined) ?? [];
    if (rawTargets.length > 5) fail(`it has ${rawTargets.length} targets; a rule takes at most 5`);
    const targets = rawTargets.map((raw) => readTarget(index, raw, resolveFunction, (message, cause) => fail(message, cause)));
    const ids = targets.map((t) => t.id);
    if (new Set(ids).size !== ids.length) fail('two of its targets share an Id');
    rules.push({
      where,
      name: identity.attributes.Arn!.slice(identity.attributes.Arn!.lastIndexOf('/') + 1),
      arn: identity.attributes.Arn!,
      bus,
      enabled: state !== 'DISABLED',
      ...(pattern ? { pattern } : {}),
      ...(schedule ? { schedule, scheduleExpression: String(scheduleExpression) } : {}),
      targets,
    });
  }
  return rules;
}

function readTarget(index: ResourceIndex, raw: RawTarget, resolveFunction: (arn: string) => string | undefined, fail: (message: string, cause?: unknown) => never): RuleTarget {
  const id = typeof raw.Id === 'string' ? raw.Id : fail('a target has no Id');
  const arn = typeof raw.Arn === 'string' ? raw.Arn : fail(`target ${id} has no Arn`);
  let input: TargetInput;
  try {
    input = compileTargetInput(raw);
  } catch (error) {
    if (error instanceof TargetInputError) fail(`target ${id}: ${error.message}`, error);
    throw error;
  }
  const retries = Number(raw.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS);
  const age = Number(raw.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS);
  if (!Number.isInteger(retries) || retries < 0 || retries > 185) fail(`target ${id}: MaximumRetryAttempts must be 0-185`);
  if (!Number.isInteger(age) || age < 60 || age > 86_400) fail(`target ${id}: MaximumEventAgeInSeconds must be 60-86400`);
  let deadLetter: RuleTarget['deadLetter'];
  if (raw.DeadLetterConfig?.Arn !== undefined) {
    const dlqArn = String(raw.DeadLetterConfig.Arn);
    const queue = index.findByArn(dlqArn);
    if (queue?.type !== 'AWS::SQS::Queue') fail(`target ${id}: its dead-letter queue ${dlqArn} is not a queue of the assembly`);
    if (queue!.attributes.QueueName!.endsWith('.fifo')) fail(`target ${id}: a dead-letter queue must be a standard queue, not FIFO`);
    deadLetter = { arn: dlqArn, queueUrl: queue!.attributes.QueueUrl! };
  }
  return {
    id,
    arn,
    destination: destinationOf(index, arn, raw, resolveFunction, fail, id),
    input,
    maximumRetryAttempts: retries,
    maximumEventAgeSeconds: age,
    ...(deadLetter ? { deadLetter } : {}),
  };
}

function destinationOf(
  index: ResourceIndex,
  arn: string,
  raw: RawTarget,
  resolveFunction: (arn: string) => string | undefined,
  fail: (message: string) => never,
  id: string,
): TargetDestination {
  const service = /^arn:[^:]+:([^:]+):/.exec(arn)?.[1] ?? 'unknown';
  if (service === 'sqs') {
    const queue = index.findByArn(arn);
    if (queue?.type !== 'AWS::SQS::Queue') return { kind: 'unsupported', service: 'an SQS queue outside the assembly' };
    const fifo = queue.attributes.QueueName!.endsWith('.fifo');
    const groupId = raw.SqsParameters?.MessageGroupId;
    if (fifo && typeof groupId !== 'string') fail(`target ${id}: a FIFO queue target needs SqsParameters.MessageGroupId`);
    return { kind: 'queue', queueUrl: queue.attributes.QueueUrl!, queueArn: arn, fifo, ...(typeof groupId === 'string' ? { messageGroupId: groupId } : {}) };
  }
  if (service === 'lambda') {
    const functionName = resolveFunction(arn);
    return functionName ? { kind: 'function', functionName } : { kind: 'unsupported', service: 'a Lambda function that does not run locally' };
  }
  return { kind: 'unsupported', service };
}
