import { describe, expect, it } from 'vitest';
import type { BusRule, RuleTarget } from '../../../lib/local/eventbridge/bus-resources.ts';
import { ManualClock } from '../../../lib/local/eventbridge/clock.ts';
import { EventDeliveryJournal } from '../../../lib/local/eventbridge/delivery-journal.ts';
import type { BusEvent } from '../../../lib/local/eventbridge/put-events.ts';
import { classify } from '../../../lib/local/eventbridge/queue-sender.ts';
import { compileTargetInput } from '../../../lib/local/eventbridge/target-input.ts';
import { DeliveryError, TargetDelivery, type QueueMessage } from '../../../lib/local/eventbridge/target-delivery.ts';

const event: BusEvent = {
  version: '0',
  id: 'e-1',
  'detail-type': 'Task Succeeded',
  source: 'media-kit',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { taskId: 't-1' },
};
const rule: BusRule = { where: 'Rule R', name: 'r', arn: 'arn:aws:events:us-east-1:000000000000:rule/r', bus: 'default', enabled: true, targets: [] };
const target = (overrides: Partial<RuleTarget> = {}): RuleTarget => ({
  id: 'T',
  arn: 'arn:aws:sqs:us-east-1:000000000000:target',
  destination: { kind: 'queue', queueUrl: 'http://target', queueArn: 'arn:aws:sqs:us-east-1:000000000000:target', fifo: false },
  input: compileTargetInput({}),
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 3600,
  deadLetter: { arn: 'arn:aws:sqs:us-east-1:000000000000:dlq', queueUrl: 'http://dlq' },
  ...overrides,
});

/** A delivery engine whose target queue fails the first `failures` sends with `error`; the DLQ always accepts. */
function harness(failures: number, error: Error = new DeliveryError('THROTTLING', 'Rate exceeded', true)) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const journal = new EventDeliveryJournal();
  const sent: QueueMessage[] = [];
  const dropped: string[] = [];
  let attempts = 0;
  const delivery = new TargetDelivery({
    sendMessage: async (message) => {
      if (message.queueUrl === 'http://target' && attempts++ < failures) throw error;
      sent.push(message);
    },
    invokeAsync: () => undefined,
    clock,
    journal,
    retryDelayMs: (retry) => 1000 * retry,
    onDropped: (message) => dropped.push(message),
    onError: (e) => {
      throw e;
    },
  });
  return { clock, journal, sent, dropped, delivery, attempts: () => attempts };
}

describe('target delivery', () => {
  it('retries a retryable failure on the clock and then delivers', async () => {
    const h = harness(2);
    h.delivery.deliver(rule, target(), event);
    await h.clock.advance(0);
    expect(h.journal.deliveries().map((d) => d.outcome)).toEqual(['retrying']);
    await h.clock.advance(999);
    expect(h.attempts()).toBe(1);
    await h.clock.advance(1);
    await h.clock.advance(2000);
    await h.delivery.drain();
    expect(h.journal.deliveries().map((d) => `${d.attempt}:${d.outcome}`)).toEqual(['1:retrying', '2:retrying', '3:delivered']);
    expect(h.sent.map((m) => m.queueUrl)).toEqual(['http://target']);
  });

  it('dead-letters after MaximumRetryAttempts with the exhausted condition and attempt count', async () => {
    const h = harness(Number.POSITIVE_INFINITY);
    h.delivery.deliver(rule, target(), event);
    await h.clock.advance(10_000);
    await h.delivery.drain();
    expect(h.attempts()).toBe(3);
    expect(h.journal.deliveries().at(-1)).toMatchObject({ outcome: 'dead-lettered', attempt: 3, error: { code: 'THROTTLING', message: 'Rate exceeded' } });
    expect(h.sent).toHaveLength(1);
    expect(JSON.parse(h.sent[0]!.body)).toEqual(event);
    expect(h.sent[0]!.attributes).toEqual({
      RULE_ARN: rule.arn,
      TARGET_ARN: target().arn,
      ERROR_CODE: 'THROTTLING',
      ERROR_MESSAGE: 'Rate exceeded',
      RETRY_ATTEMPTS: '2',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
    });
  });

  it('stops retrying when the next wait would outlive MaximumEventAgeInSeconds', async () => {
    const h = harness(Number.POSITIVE_INFINITY);
    h.delivery.deliver(rule, target({ maximumRetryAttempts: 185, maximumEventAgeSeconds: 60 }), event);
    await h.clock.advance(120_000);
    await h.delivery.drain();
    // Waits of 1, 2, … 10 s add up to 55 s; the 11th (11 s more) would pass 60 s.
    expect(h.attempts()).toBe(11);
    expect(h.sent[0]!.attributes).toMatchObject({ EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds', RETRY_ATTEMPTS: '10' });
  });

  it('does not retry what cannot succeed, and drops with a warning when there is no DLQ', async () => {
    const h = harness(Number.POSITIVE_INFINITY, new DeliveryError('NO_RESOURCE', 'The queue does not exist', false));
    h.delivery.deliver(rule, target({ deadLetter: undefined }), event);
    await h.clock.advance(0);
    await h.delivery.drain();
    expect(h.attempts()).toBe(1);
    expect(h.journal.deliveries()).toMatchObject([{ outcome: 'dropped', error: { code: 'NO_RESOURCE' } }]);
    expect(h.dropped).toEqual(['EventBridge dropped event e-1 for target T of rule r (NO_RESOURCE: The queue does not exist): the target has no dead-letter queue']);
  });

  it('refuses a payload a Lambda function cannot take, and skips an InputPath that names nothing', async () => {
    const h = harness(0);
    const fn = { kind: 'function', functionName: 'f' } as const;
    h.delivery.deliver(rule, target({ destination: fn, input: compileTargetInput({ InputTransformer: { InputPathsMap: { t: '$.detail.taskId' }, InputTemplate: 'task <t>' } }) }), event);
    h.delivery.deliver(rule, target({ id: 'P', input: compileTargetInput({ InputPath: '$.detail.none' }) }), event);
    await h.clock.advance(0);
    await h.delivery.drain();
    expect(h.journal.deliveries({ target: 'T' })).toMatchObject([{ outcome: 'dead-lettered', error: { code: 'INVALID_JSON' } }]);
    expect(h.sent[0]!.attributes).not.toHaveProperty('EXHAUSTED_RETRY_CONDITION');
    expect(h.journal.deliveries({ target: 'P' })).toMatchObject([{ outcome: 'skipped' }]);
  });

  it('ends retry waits when stopped', async () => {
    const h = harness(Number.POSITIVE_INFINITY);
    h.delivery.deliver(rule, target(), event);
    await h.clock.advance(0);
    h.delivery.stop();
    await h.delivery.drain();
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.journal.deliveries().map((d) => d.outcome)).toEqual(['retrying']);
  });

  it("classifies SQS's refusals as EventBridge reports them", () => {
    const sdk = (name: string, status?: number) => Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
    expect(classify(sdk('AWS.SimpleQueueService.NonExistentQueue', 400))).toMatchObject({ code: 'NO_RESOURCE', retryable: false });
    expect(classify(sdk('QueueDoesNotExist', 400))).toMatchObject({ code: 'NO_RESOURCE', retryable: false });
    expect(classify(sdk('InvalidParameterValue', 400))).toMatchObject({ code: 'INVALID_PARAMETER', retryable: false });
    expect(classify(sdk('RequestThrottled', 403))).toMatchObject({ code: 'THROTTLING', retryable: true });
    expect(classify(sdk('InternalError', 500))).toMatchObject({ code: 'INTERNAL_ERROR', retryable: true });
    expect(classify(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ code: 'CONNECTION_FAILURE', retryable: true });
  });
});
