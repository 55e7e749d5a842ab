import type { InvocationError, LogLine } from '../lambda/function-instance.ts';

export type InvocationOutcome = 'succeeded' | 'partial' | 'failed' | 'timeout';

/** One function invocation, as the runtime observed it: what Lambda's REPORT line and logs show. */
export interface InvocationRecord {
  readonly function: string;
  readonly requestId: string;
  /** Where the event came from: the queue name, or `s3:<bucket>` for direct notifications. */
  readonly source: string;
  /** Object keys named by the S3 events inside the batch, decoded. */
  readonly inputKeys: readonly string[];
  /** Highest ApproximateReceiveCount in the batch (1 = first delivery). */
  readonly attempt: number;
  readonly batchSize: number;
  readonly startedAt: number;
  endedAt?: number;
  durationMs?: number;
  billedDurationMs?: number;
  readonly memoryMb: number;
  peakMemoryMb?: number;
  coldStart?: boolean;
  initDurationMs?: number;
  outcome?: InvocationOutcome;
  /** Message ids the function reported failed (partial batch response). */
  failedItems?: readonly string[];
  error?: InvocationError;
  logs?: readonly LogLine[];
}

export type InvocationListener = (record: InvocationRecord) => void;

/**
 * Every invocation of a runtime's life, in start order. Records are added when an invocation
 * starts (so a task that ends mid-invocation already knows its attempt) and completed when it ends.
 */
export class TaskLog {
  private readonly records: InvocationRecord[] = [];
  private readonly attemptsByKey = new Map<string, number>();
  private readonly invocationsByKey = new Map<string, InvocationRecord[]>();
  private readonly listeners: InvocationListener[] = [];
  /** Records kept in memory; older ones stay reachable per key only through their latest attempt. */
  private readonly capacity: number;

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  onCompleted(listener: InvocationListener): void {
    this.listeners.push(listener);
  }

  started(record: InvocationRecord): InvocationRecord {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.shift();
    for (const key of record.inputKeys) {
      this.attemptsByKey.set(key, Math.max(this.attemptsByKey.get(key) ?? 0, record.attempt));
      const list = this.invocationsByKey.get(key) ?? [];
      list.push(record);
      if (list.length > 20) list.shift();
      this.invocationsByKey.set(key, list);
    }
    return record;
  }

  completed(record: InvocationRecord): void {
    for (const listener of this.listeners) listener(record);
  }

  /** Highest delivery attempt an invocation has started for this input key. */
  attempts(inputKey: string): number {
    return this.attemptsByKey.get(inputKey) ?? 0;
  }

  invocationsFor(inputKey: string): readonly InvocationRecord[] {
    return this.invocationsByKey.get(inputKey) ?? [];
  }

  all(): readonly InvocationRecord[] {
    return this.records;
  }
}
