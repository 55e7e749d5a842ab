import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

interface Pending {
  readonly body: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Sends messages with SendMessageBatch: what arrives for a queue in the same turn of the event
 * loop goes out in batches of ten. A burst of uploads then costs a tenth of the requests; a single
 * upload waits for nothing (the flush runs on the next setImmediate). Each message still
 * resolves or fails on its own, from the batch response's per-entry result.
 */
export class BatchedSender {
  private readonly queues = new Map<string, Pending[]>();
  private scheduled = false;

  constructor(private readonly sqs: SQSClient) {}

  send(queueUrl: string, body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const pending = this.queues.get(queueUrl) ?? [];
      pending.push({ body, resolve, reject });
      this.queues.set(queueUrl, pending);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queues = [...this.queues.entries()];
    this.queues.clear();
    for (const [queueUrl, pending] of queues) {
      for (let i = 0; i < pending.length; i += 10) void this.sendBatch(queueUrl, pending.slice(i, i + 10));
    }
  }

  private async sendBatch(queueUrl: string, batch: Pending[]): Promise<void> {
    try {
      const response = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((p, i) => ({ Id: String(i), MessageBody: p.body })) }),
      );
      const failed = new Map((response.Failed ?? []).map((f) => [f.Id, f]));
      batch.forEach((p, i) => {
        const failure = failed.get(String(i));
        if (failure) p.reject(new Error(`SendMessageBatch entry failed: ${failure.Code} ${failure.Message ?? ''}`.trim()));
        else p.resolve();
      });
    } catch (error) {
      for (const p of batch) p.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
