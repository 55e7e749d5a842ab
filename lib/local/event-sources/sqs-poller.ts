import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import type { FunctionHost } from '../lambda/function-host.ts';
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
}

/** How long one receive blocks when the queue is empty; short so stop() is prompt. */
const LONG_POLL_SECONDS = 2;

/**
 * An SQS event source mapping with Lambda's semantics: long polling, batches up to BatchSize
 * gathered for at most MaximumBatchingWindow, up to MaximumConcurrency batches in flight, delete on
 * success, partial batch responses (an empty or unknown itemIdentifier fails the whole batch), and
 * failed records left in flight so the queue redelivers them after its visibility timeout and
 * dead-letters them after maxReceiveCount (fauxqs moves them on receive, as SQS does).
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
    while (!this.abort.signal.aborted) {
      try {
        const batch = await this.collectBatch();
        // A batch that arrives once stop() began is left in flight: the queue redelivers it later.
        if (batch.length > 0 && !this.abort.signal.aborted) await this.process(batch);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.onError(new Error(`Polling ${this.config.queueName} failed: ${(error as Error).message}`, { cause: error }));
        await delay(500);
      }
    }
  }

  private async collectBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowMs } = this.config;
    const batch = await this.receive(Math.min(10, batchSize), LONG_POLL_SECONDS);
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
    const response = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.config.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return response.Messages ?? [];
  }

  private async process(batch: Message[]): Promise<void> {
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
    const invocation = await this.target.invoke({ Records: records }, requestId);

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
