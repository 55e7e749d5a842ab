import type { Invocation } from '../lambda/function-host.ts';
import type { InvocationError, LogLine } from '../lambda/function-instance.ts';

export type InvocationOutcome = 'succeeded' | 'partial' | 'failed' | 'timeout';

/** One S3 object an invocation was handed, and which delivery of its event this was. */
export interface InvocationInput {
  readonly bucket: string;
  /** Decoded object key. */
  readonly key: string;
  /** This record's own delivery count: its ApproximateReceiveCount, or the async attempt (1 = first). */
  readonly attempt: number;
  /** The S3 event's sequencer: tells two uploads of the same key apart. */
  readonly sequencer?: string;
}

/** One function invocation, as the runtime observed it: what Lambda's REPORT line and logs show. */
export interface InvocationRecord {
  readonly function: string;
  readonly requestId: string;
  /** Where the event came from: the queue name, `async`, or `http:<logicalId>`. */
  readonly source: string;
  /** Object keys named by the S3 events inside the batch, decoded. */
  readonly inputKeys: readonly string[];
  /** The objects of the batch, each with its own delivery count. */
  readonly inputs: readonly InvocationInput[];
  /** Highest delivery count in the batch (1 = first delivery); per object: {@link inputs}. */
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

/** What starting an invocation needs; `inputKeys` and `attempt` are derived from `inputs`. */
export type InvocationStart = Omit<InvocationRecord, 'inputKeys' | 'attempt' | 'startedAt'> & { readonly attempt?: number };

/** Keys whose recent invocations stay findable by {@link TaskLog.invocationsFor}. */
const RECENT_KEYS = 10_000;
/** Invocations kept per key: enough to tell a task's story, bounded for a key uploaded all day. */
const PER_KEY = 20;

/**
 * Every invocation of a runtime's life, in start order. Records are added when an invocation
 * starts (so a task that ends mid-invocation already knows its attempt) and completed when it ends,
 * through {@link started} and {@link finish}: the one path for queue, async and HTTP invocations.
 */
export class TaskLog {
  private readonly records: InvocationRecord[] = [];
  private readonly invocationsByKey = new Map<string, InvocationRecord[]>();
  private readonly startListeners: InvocationListener[] = [];
  private readonly listeners: InvocationListener[] = [];
  /** Records kept in memory. */
  private readonly capacity: number;

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  onStarted(listener: InvocationListener): void {
    this.startListeners.push(listener);
  }

  onCompleted(listener: InvocationListener): void {
    this.listeners.push(listener);
  }

  started(start: InvocationStart): InvocationRecord {
    const record: InvocationRecord = {
      ...start,
      inputKeys: start.inputs.map((input) => input.key),
      attempt: start.attempt ?? Math.max(1, ...start.inputs.map((input) => input.attempt)),
      startedAt: Date.now(),
    };
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.shift();
    for (const key of new Set(record.inputKeys)) {
      const list = this.invocationsByKey.get(key) ?? [];
      list.push(record);
      if (list.length > PER_KEY) list.shift();
      // Re-inserted so the map stays in last-use order and the oldest key is the one dropped.
      this.invocationsByKey.delete(key);
      this.invocationsByKey.set(key, list);
      if (this.invocationsByKey.size > RECENT_KEYS) this.invocationsByKey.delete(this.invocationsByKey.keys().next().value!);
    }
    for (const listener of this.startListeners) listener(record);
    return record;
  }

  /**
   * Completes a record with what the invocation reported and tells the listeners. `outcome` and
   * `failedItems` override what the invocation alone implies (a poller's partial batch).
   */
  finish(record: InvocationRecord, invocation: Invocation, overrides: { outcome?: InvocationOutcome; failedItems?: readonly string[] } = {}): void {
    Object.assign(record, {
      endedAt: invocation.endedAt,
      durationMs: invocation.durationMs,
      billedDurationMs: invocation.billedDurationMs,
      peakMemoryMb: invocation.peakMemoryMb,
      coldStart: invocation.coldStart,
      initDurationMs: invocation.initDurationMs,
      outcome: overrides.outcome ?? (invocation.timedOut ? 'timeout' : invocation.ok ? 'succeeded' : 'failed'),
      ...(overrides.failedItems ? { failedItems: overrides.failedItems } : {}),
      error: invocation.error,
      logs: invocation.logs,
    });
    for (const listener of this.listeners) listener(record);
  }

  /** Recent invocations that were handed this object key (of any bucket unless `bucket` is given). */
  invocationsFor(inputKey: string, bucket?: string): readonly InvocationRecord[] {
    const list = this.invocationsByKey.get(inputKey) ?? [];
    return bucket === undefined ? list : list.filter((record) => record.inputs.some((input) => input.bucket === bucket && input.key === inputKey));
  }

  /** The invocation a Lambda request id names, while it is kept (the newest records are). */
  invocation(requestId: string): InvocationRecord | undefined {
    return this.records.findLast((record) => record.requestId === requestId);
  }

  all(): readonly InvocationRecord[] {
    return this.records;
  }
}
