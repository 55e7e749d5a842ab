import type { BusRule, RuleTarget } from './bus-resources.ts';
import type { Clock } from './clock.ts';
import type { DeliveryRecord, EventDeliveryJournal } from './delivery-journal.ts';
import { eventTime, type BusEvent } from './put-events.ts';
import { renderTargetInput } from './target-input.ts';

/** A delivery that failed, in EventBridge's DLQ error codes; `retryable` as EventBridge decides it. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';

  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface QueueMessage {
  readonly queueUrl: string;
  readonly body: string;
  readonly messageGroupId?: string;
  readonly deduplicationId?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface TargetDeliveryDeps {
  /** Sends one SQS message; throws (ideally a {@link DeliveryError}) when SQS refuses it. */
  readonly sendMessage: (message: QueueMessage) => Promise<void>;
  /** Hands an event to Lambda's asynchronous invocation (which has its own retries); throws if it cannot. */
  readonly invokeAsync: (functionName: string, payload: unknown) => void;
  readonly clock: Clock;
  readonly journal: EventDeliveryJournal;
  /** Wait before retry number `retry` (1-based). @default 1 s doubling, at most 5 minutes */
  readonly retryDelayMs?: (retry: number) => number;
  /** An event dropped for good (no dead-letter queue, or the DLQ refused it). */
  readonly onDropped: (message: string) => void;
  readonly onError: (error: Error) => void;
}

const defaultRetryDelay = (retry: number) => Math.min(1000 * 2 ** (retry - 1), 300_000);

/**
 * Delivers matched events to rule targets the way EventBridge does: the target's input
 * (Input, InputPath, InputTransformer) decides the payload; a retryable failure is retried under
 * the target's RetryPolicy (attempts and event age, waiting on the clock); a non-retryable one
 * (the target is gone, the payload is refused) is not. What cannot be delivered goes to the
 * target's dead-letter queue with EventBridge's message attributes, or is dropped with a warning.
 * Every attempt is journaled.
 */
export class TargetDelivery {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly cancels = new Set<() => void>();
  private stopped = false;

  constructor(private readonly deps: TargetDeliveryDeps) {}

  deliver(rule: BusRule, target: RuleTarget, event: BusEvent): void {
    const work = this.run(rule, target, event).catch((error: unknown) => {
      this.deps.onError(new Error(`Delivering event ${event.id} to ${target.id} of ${rule.name} failed: ${(error as Error).message}`, { cause: error }));
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Resolves when every delivery started so far has ended (delivered, dead-lettered or dropped). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Ends retry waits at once; deliveries waiting for a retry end without one. */
  stop(): void {
    this.stopped = true;
    for (const cancel of [...this.cancels]) cancel();
  }

  private async run(rule: BusRule, target: RuleTarget, event: BusEvent): Promise<void> {
    const { clock, journal } = this.deps;
    const acceptedAt = clock.now();
    const record = (attempt: number, outcome: DeliveryRecord['outcome'], extra: Partial<DeliveryRecord> = {}) =>
      journal.record({ kind: 'delivery', at: clock.now(), eventId: event.id, bus: rule.bus, rule: rule.name, ruleArn: rule.arn, target: target.id, targetArn: target.arn, attempt, outcome, ...extra });
    const payload = renderTargetInput(target.input, event as unknown as Record<string, unknown>, {
      ruleArn: rule.arn,
      ruleName: rule.name,
      ingestionTime: eventTime(acceptedAt),
    });
    if (payload === undefined) {
      record(1, 'skipped', { error: { code: 'INPUT_PATH_EMPTY', message: 'The InputPath names nothing in this event, so nothing is sent' } });
      return;
    }
    for (let attempt = 1; ; attempt++) {
      let failure: DeliveryError;
      try {
        await this.send(target, event, payload);
        record(attempt, 'delivered');
        return;
      } catch (error) {
        failure = error instanceof DeliveryError ? error : new DeliveryError('INTERNAL_ERROR', (error as Error).message ?? String(error), true);
      }
      const error = { code: failure.code, message: failure.message };
      let exhausted: string | undefined;
      if (failure.retryable) {
        const delay = (this.deps.retryDelayMs ?? defaultRetryDelay)(attempt);
        if (attempt > target.maximumRetryAttempts) exhausted = 'MaximumRetryAttempts';
        else if (clock.now() + delay - acceptedAt > target.maximumEventAgeSeconds * 1000) exhausted = 'MaximumEventAgeInSeconds';
        else {
          record(attempt, 'retrying', { error });
          if (!(await this.wait(delay))) return;
          continue;
        }
      }
      await this.giveUp(rule, target, event, attempt, failure, exhausted, record);
      return;
    }
  }

  private async giveUp(
    rule: BusRule,
    target: RuleTarget,
    event: BusEvent,
    attempt: number,
    failure: DeliveryError,
    exhausted: string | undefined,
    record: (attempt: number, outcome: DeliveryRecord['outcome'], extra?: Partial<DeliveryRecord>) => void,
  ): Promise<void> {
    const error = { code: failure.code, message: failure.message };
    const what = `event ${event.id} for target ${target.id} of rule ${rule.name} (${failure.code}: ${failure.message})`;
    if (!target.deadLetter) {
      record(attempt, 'dropped', { error });
      this.deps.onDropped(`EventBridge dropped ${what}: the target has no dead-letter queue`);
      return;
    }
    try {
      await this.deps.sendMessage({
        queueUrl: target.deadLetter.queueUrl,
        body: JSON.stringify(event),
        attributes: {
          RULE_ARN: rule.arn,
          TARGET_ARN: target.arn,
          ERROR_CODE: failure.code,
          ERROR_MESSAGE: failure.message.slice(0, 1024),
          RETRY_ATTEMPTS: String(attempt - 1),
          ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: exhausted } : {}),
        },
      });
      record(attempt, 'dead-lettered', { error, deadLetterArn: target.deadLetter.arn });
    } catch (dlqError) {
      record(attempt, 'dropped', { error: { code: 'DLQ_FAILED', message: `${failure.message}; the dead-letter queue refused it too: ${(dlqError as Error).message}` } });
      this.deps.onDropped(`EventBridge dropped ${what}: its dead-letter queue ${target.deadLetter.arn} refused it (${(dlqError as Error).message})`);
    }
  }

  private async send(target: RuleTarget, event: BusEvent, payload: string): Promise<void> {
    const destination = target.destination;
    if (destination.kind === 'queue') {
      await this.deps.sendMessage({
        queueUrl: destination.queueUrl,
        body: payload,
        ...(destination.messageGroupId !== undefined ? { messageGroupId: destination.messageGroupId } : {}),
        // Without content-based deduplication a FIFO queue needs an id; EventBridge uses the event's.
        ...(destination.fifo ? { deduplicationId: event.id } : {}),
      });
      return;
    }
    if (destination.kind === 'function') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        throw new DeliveryError('INVALID_JSON', `The target input is not JSON, which a Lambda function requires: ${payload.slice(0, 80)}`, false);
      }
      this.deps.invokeAsync(destination.functionName, parsed);
      return;
    }
    throw new DeliveryError('NO_RESOURCE', `The local runtime does not deliver to ${destination.service} (${target.arn})`, false);
  }

  /** Waits on the clock; false when stop() ended the wait. */
  private wait(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const cancelTimer = this.deps.clock.setTimer(() => {
        this.cancels.delete(cancel);
        resolve(true);
      }, ms);
      const cancel = () => {
        cancelTimer();
        this.cancels.delete(cancel);
        resolve(false);
      };
      this.cancels.add(cancel);
    });
  }
}
