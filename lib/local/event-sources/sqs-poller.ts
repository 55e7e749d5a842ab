import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import type { ConcurrencySlot, FunctionHost } from '../lambda/function-host.ts';
import { scaledSeconds } from '../time-scale.ts';
import type { TaskLog } from '../tasks/task-log.ts';
import { s3KeysInBody } from './s3-keys-in-body.ts';
import { toLambdaSqsRecord } from './sqs-event.ts';

export interface SqsEventSourceConfig {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly queueName: string;
  readonly region: string;
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  /** Concurrent invocations this mapping drives (ScalingConfig.MaximumConcurrency, capped locally). */
  readonly concurrency: number;
  readonly reportBatchItemFailures: boolean;
  /** The queue's VisibilityTimeout, as its template sets it. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** How much faster than real time visibility timeouts run locally. @default real time */
  readonly timeScale?: number;
}

/** Where a poller waits for messages without taking any (the emulator, in-process). */
export interface MessageArrivals {
  waitForMessages(queueName: string, seconds: number, signal?: AbortSignal): Promise<boolean>;
}

/** How long one wait for messages blocks when the queue is empty; short so stop() is prompt. */
const LONG_POLL_SECONDS = 2;

/**
 * An SQS event source mapping with Lambda's semantics: long polling, batches up to BatchSize
 * gathered for at most MaximumBatchingWindow, up to MaximumConcurrency batches in flight, delete on
 * success, partial batch responses (an empty or unknown itemIdentifier fails the whole batch), and
 * failed records left in flight so the queue redelivers them after its visibility timeout and
 * dead-letters them after maxReceiveCount (fauxqs moves them on receive, as SQS does).
 *
 * Flow control as Lambda's: each loop waits for messages without taking any, then takes its
 * function's concurrency slot (reserved concurrency, the runtime's limit), and only then receives.
 * A message is never made invisible while no environment can run it.
 *
 * With a time scale, a received message's visibility timeout is the queue's divided by the scale
 * (so a failure is retried, and dead-lettered, that much sooner), and the poller keeps the batch
 * invisible while its invocation runs, up to the queue's real visibility timeout: handler timeouts
 * stay real, so a slow handler is redelivered exactly when it would be on AWS.
 */
export class SqsPoller {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    readonly config: SqsEventSourceConfig,
    private readonly sqs: SQSClient,
    private readonly target: FunctionHost,
    private readonly tasks: TaskLog,
    private readonly onError: (error: Error) => void,
    private readonly arrivals: MessageArrivals,
  ) {}

  start(): void {
    for (let i = 0; i < this.config.concurrency; i++) this.loops.push(this.loop());
  }

  /** Stops receiving; resolves when the batches in flight have been handled (or their instances killed). */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        if (!(await this.arrivals.waitForMessages(this.config.queueName, LONG_POLL_SECONDS, signal)) || signal.aborted) continue;
        const slot = await this.target.acquireSlot(signal);
        if (!slot) {
          // Reserved concurrency 0 (throttled) or stopping: leave the messages in the queue.
          if (!signal.aborted) await delay(LONG_POLL_SECONDS * 1000);
          continue;
        }
        try {
          const batch = await this.collectBatch();
          // A batch that arrives once stop() began is left in flight: the queue redelivers it later.
          if (batch.length > 0 && !signal.aborted) await this.process(batch, slot);
        } finally {
          slot.release();
        }
      } catch (error) {
        if (signal.aborted) return;
        this.onError(new Error(`Polling ${this.config.queueName} failed: ${(error as Error).message}`, { cause: error }));
        await delay(500);
      }
    }
  }

  /** The visibility timeout a receive asks for: the queue's own, unless time runs faster locally. */
  private get receiveVisibility(): number | undefined {
    const { timeScale, visibilityTimeoutSeconds = 30 } = this.config;
    return timeScale !== undefined && timeScale > 1 ? scaledSeconds(visibilityTimeoutSeconds, timeScale) : undefined;
  }

  private async collectBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowMs } = this.config;
    const batch = await this.receive(Math.min(10, batchSize), 0);
    const deadline = Date.now() + maxBatchingWindowMs;
    while (batch.length > 0 && batch.length < batchSize && !this.abort.signal.aborted) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const wait = remaining >= 1000 ? 1 : 0;
      const more = await this.receive(Math.min(10, batchSize - batch.length), wait);
      batch.push(...more);
      if (more.length === 0 && wait === 0) await delay(Math.min(remaining, 20));
    }
    return batch;
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const visibility = this.receiveVisibility;
    const response = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.config.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        ...(visibility !== undefined ? { VisibilityTimeout: visibility } : {}),
      }),
      { abortSignal: this.abort.signal },
    );
    return response.Messages ?? [];
  }

  /**
   * While an invocation runs, renews the batch's shortened visibility timeout until the queue's
   * real one has passed since the receive, so a running batch is not redelivered earlier than on
   * AWS. Returns the function that stops renewing.
   */
  private keepInvisible(batch: readonly Message[]): () => void {
    const visibility = this.receiveVisibility;
    if (visibility === undefined) return () => undefined;
    const realEnd = Date.now() + (this.config.visibilityTimeoutSeconds ?? 30) * 1000;
    const timer = setInterval(() => {
      const left = Math.ceil((realEnd - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(timer);
        return;
      }
      for (let i = 0; i < batch.length; i += 10) {
        const entries = batch.slice(i, i + 10).map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: Math.min(visibility, left) }));
        this.sqs
          .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.config.queueUrl, Entries: entries }))
          .catch((error: unknown) => this.onError(new Error(`Renewing the visibility of a batch of ${this.config.queueName} failed: ${(error as Error).message}`)));
      }
    }, Math.max(250, (visibility * 1000) / 2));
    return () => clearInterval(timer);
  }

  private async process(batch: Message[], slot: ConcurrencySlot): Promise<void> {
    const { queueArn, region, queueName, reportBatchItemFailures } = this.config;
    const records = batch.map((message) => toLambdaSqsRecord(message, queueArn, region));
    const requestId = crypto.randomUUID();
    const record = this.tasks.started({
      function: this.target.spec.name,
      requestId,
      source: queueName,
      // Each record counts its own deliveries: a batch mixes first deliveries and retries.
      inputs: records.flatMap((r) => {
        const attempt = Number(r.attributes.ApproximateReceiveCount) || 1;
        return s3KeysInBody(r.body).map((object) => ({ ...object, attempt }));
      }),
      attempt: Math.max(...records.map((r) => Number(r.attributes.ApproximateReceiveCount) || 1)),
      batchSize: records.length,
      memoryMb: this.target.spec.memoryMb,
    });
    const renewing = this.keepInvisible(batch);
    const invocation = await this.target.invoke({ Records: records }, requestId, slot).finally(renewing);

    let failed: Set<string>;
    if (!invocation.ok) {
      failed = new Set(records.map((r) => r.messageId));
    } else if (reportBatchItemFailures) {
      failed = batchItemFailures(invocation.value, new Set(records.map((r) => r.messageId)));
    } else {
      failed = new Set();
    }
    const succeeded = batch.filter((m) => !failed.has(m.MessageId ?? ''));
    try {
      // Also while stopping: a batch that finished in the grace period must not be redelivered.
      if (succeeded.length > 0) await this.delete(succeeded);
    } finally {
      this.tasks.finish(record, invocation, {
        outcome: invocation.timedOut ? 'timeout' : !invocation.ok ? 'failed' : failed.size === 0 ? 'succeeded' : failed.size === records.length ? 'failed' : 'partial',
        failedItems: [...failed],
      });
    }
  }

  private async delete(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const response = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.config.queueUrl,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      if (response.Failed && response.Failed.length > 0) {
        // A failed delete means a redelivery later, which handlers tolerate; it must still be seen.
        this.onError(new Error(`Deleting processed messages from ${this.config.queueName} failed: ${JSON.stringify(response.Failed)}`));
      }
    }
  }
}

/**
 * The message ids a partial batch response marks failed. Like Lambda, a response that names an
 * empty or unknown itemIdentifier, or is malformed, fails the whole batch.
 */
export function batchItemFailures(value: unknown, messageIds: ReadonlySet<string>): Set<string> {
  if (value === null || value === undefined) return new Set();
  if (typeof value !== 'object') return new Set(messageIds);
  const failures = (value as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return new Set(messageIds);
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !messageIds.has(id)) return new Set(messageIds);
    failed.add(id);
  }
  return failed;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
