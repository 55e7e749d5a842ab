import type { SpyMessage } from 'fauxqs';
import { compareSequencers } from '../../../functions/shared/keys.ts';
import { failureKeyOf, resultKeyOf } from '../../../functions/shared/pipeline-contract.ts';
import { s3KeysInBody } from '../event-sources/s3-keys-in-body.ts';
import type { PipelineRoute } from '../pipelines.ts';
import type { InvocationError } from '../lambda/function-instance.ts';
import type { TaskLog } from './task-log.ts';

/** Keys whose latest tasks stay findable by {@link OutcomeTracker.taskFor}; bounds a long dev session. */
const RECENT_KEYS = 50_000;

export type TaskStatus = 'pending' | 'succeeded' | 'failed' | 'superseded';

/**
 * What made a task terminal: the outcomes of DESIGN.md (a result, a failure record, a dead
 * letter, superseded by a newer upload) and the runtime's own failures.
 */
export type TaskEnd = 'result' | 'failure-record' | 'dead-letter-queue' | 'superseded' | 'failure-destination' | 'dropped' | 'undeliverable';

export interface TaskError {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** One upload's journey: from the S3 event to exactly one terminal state. */
export interface Task {
  readonly pipeline: PipelineRoute;
  readonly bucket: string;
  readonly key: string;
  readonly uploadedAt: number;
  readonly resultKey: string;
  readonly failureKey: string;
  /** The S3 event's sequencer: invocations of this upload (not an earlier one of the key) count. */
  readonly sequencer?: string;
  status: TaskStatus;
  end?: TaskEnd;
  endedAt?: number;
  /** Deliveries of this upload's event that reached its function so far (each record's own count). */
  attempts: number;
  error?: TaskError;
  readonly done: Promise<Task>;
}

export type TaskListener = (task: Task) => void;

/** Reads a failure record so a failed task can carry its code and message. */
export type FailureReader = (bucket: string, key: string) => Promise<TaskError>;

/** Reads a JSON document of the results bucket (result documents and failure records carry `input`). */
export type DocumentReader = (bucket: string, key: string) => Promise<unknown>;

/** The worker's log line for a task that ended superseded (functions/shared/queue-worker.ts). */
interface SupersededLine {
  readonly outcome: 'superseded';
  readonly key: string;
  readonly bucket?: string;
  readonly sequencer?: string;
  readonly reason?: string;
}

/**
 * Decides when each upload is terminal (DESIGN.md: a result, a failure record, a message in the
 * DLQ, or superseded) by watching the emulator's own event stream: the result document (where the
 * pipeline's contract says it goes) or failure record being written in the results bucket, or the
 * work queue moving the message to its DLQ; and, for `superseded`, which writes nothing, the
 * worker's `outcome: superseded` log line, the same line CloudWatch Logs holds on AWS. Each upload
 * resolves once; a late duplicate (a redelivered message rewriting its result) finds no pending
 * task. With several uploads of one key pending, the document's `input.sequencer` says whose it is.
 */
export class OutcomeTracker {
  private readonly pendingByKey = new Map<string, Task[]>();
  private readonly byResultKey = new Map<string, Task[]>();
  private readonly byFailureKey = new Map<string, Task[]>();
  private readonly waiters: { bucket: string; key: string; since: number; resolve: (task: Task) => void }[] = [];
  private readonly recent = new Map<string, Task[]>();
  private readonly listeners: TaskListener[] = [];
  private readonly settle = new WeakMap<Task, (task: Task) => void>();
  private readonly lastError = new WeakMap<Task, InvocationError>();

  constructor(
    tasks: TaskLog,
    private readonly readFailure: FailureReader,
    private readonly onError: (error: Error) => void,
    private readonly readDocument?: DocumentReader,
  ) {
    // Attempts are counted per task, from each object's own delivery count: a re-upload of a key
    // starts again at 1, and a batch mixing retries and first deliveries credits each correctly.
    tasks.onStarted((record) => {
      for (const input of record.inputs) {
        const task = this.pendingFor(input, record.function);
        if (task) task.attempts = Math.max(task.attempts, input.attempt);
      }
    });
    tasks.onCompleted((record) => {
      for (const line of supersededLines(record.logs)) {
        const bucket = line.bucket ?? record.inputs.find((input) => input.key === line.key)?.bucket;
        if (bucket === undefined) continue;
        const task = this.pendingFor({ bucket, key: line.key, ...(line.sequencer !== undefined ? { sequencer: line.sequencer } : {}) }, record.function);
        if (task && (line.sequencer === undefined || task.sequencer === undefined || task.sequencer === line.sequencer)) {
          this.finish(task, 'superseded', 'superseded', { code: 'SUPERSEDED', message: line.reason ?? 'The object changed after its event' });
        }
      }
      if (!record.error) return;
      for (const input of record.inputs) {
        const task = this.pendingFor(input, record.function);
        if (task) this.lastError.set(task, record.error);
      }
    });
  }

  /**
   * The pending task an invocation input belongs to: of the function's pipeline when known, the
   * same upload (sequencer) when known, else the oldest.
   */
  private pendingFor(input: { bucket: string; key: string; sequencer?: string }, functionName?: string): Task | undefined {
    const all = this.pendingByKey.get(`${input.bucket}\n${input.key}`);
    if (!all) return undefined;
    const pending = functionName === undefined ? all : all.filter((task) => task.pipeline.functionName === functionName);
    return (input.sequencer !== undefined ? pending.find((task) => task.sequencer === input.sequencer) : undefined) ?? pending[0];
  }

  onTerminal(listener: TaskListener): void {
    this.listeners.push(listener);
  }

  /** The upload of `bucket/key` was notified to `pipeline`: it is a task from now on. */
  expect(pipeline: PipelineRoute, bucket: string, key: string, uploadedAt: number, sequencer?: string): Task {
    let settle!: (task: Task) => void;
    const done = new Promise<Task>((resolve) => {
      settle = resolve;
    });
    const task: Task = {
      pipeline,
      bucket,
      key,
      uploadedAt,
      resultKey: resultKeyOf(pipeline.contract, key),
      failureKey: failureKeyOf(key),
      ...(sequencer !== undefined ? { sequencer } : {}),
      status: 'pending',
      attempts: 0,
      done,
    };
    this.settle.set(task, settle);
    push(this.pendingByKey, `${bucket}\n${key}`, task);
    push(this.byResultKey, `${pipeline.resultsBucket}\n${task.resultKey}`, task);
    push(this.byFailureKey, `${pipeline.resultsBucket}\n${task.failureKey}`, task);
    const recentKey = `${bucket}\n${key}`;
    const recent = this.recent.get(recentKey) ?? [];
    recent.push(task);
    if (recent.length > 5) recent.shift();
    // Re-inserted so the map stays in last-use order and the oldest key is the one dropped.
    this.recent.delete(recentKey);
    this.recent.set(recentKey, recent);
    if (this.recent.size > RECENT_KEYS) this.recent.delete(this.recent.keys().next().value!);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.bucket === bucket && waiter.key === key && uploadedAt >= waiter.since) {
        this.waiters.splice(i, 1);
        waiter.resolve(task);
      }
    }
    return task;
  }

  /** The task for an upload of `bucket/key` made at or after `since`, once its event is seen. */
  taskFor(bucket: string, key: string, since: number): Promise<Task> {
    const known = this.recent.get(`${bucket}\n${key}`)?.find((task) => task.uploadedAt >= since);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => this.waiters.push({ bucket, key, since, resolve }));
  }

  pending(): Task[] {
    return [...this.pendingByKey.values()].flat();
  }

  /** Fails a task that nothing else would ever end: its event was undeliverable or exhausted its retries. */
  fail(bucket: string, key: string, end: Exclude<TaskEnd, 'result' | 'failure-record' | 'dead-letter-queue'>, error: TaskError, sequencer?: string): void {
    const task = this.pendingFor({ bucket, key, ...(sequencer !== undefined ? { sequencer } : {}) });
    if (task) this.finish(task, 'failed', end, error);
  }

  handle(message: SpyMessage): void {
    if (message.service === 's3' && message.status === 'uploaded') {
      const id = `${message.bucket}\n${message.key}`;
      const results = this.byResultKey.get(id);
      if (results?.length) {
        this.claim(results, message.bucket, message.key, (task) => this.finish(task, 'succeeded', 'result'));
        return;
      }
      const failures = this.byFailureKey.get(id);
      if (failures?.length) {
        this.claim(failures, message.bucket, message.key, (task) => {
          // Claimed now, so a second write of the same record cannot resolve it twice.
          this.unindex(task);
          this.failureOf(message.bucket, message.key).then(
            (error) => this.finish(task, 'failed', 'failure-record', error),
            (error: unknown) => {
              this.onError(new Error(`Reading failure record s3://${message.bucket}/${message.key} failed: ${(error as Error).message}`));
              this.finish(task, 'failed', 'failure-record', { code: 'FAILURE_RECORD_UNREADABLE', message: (error as Error).message });
            },
          );
        });
      }
      return;
    }
    if (message.service === 'sqs' && message.status === 'dlq') {
      for (const object of s3KeysInBody(message.body)) {
        const candidates = (this.pendingByKey.get(`${object.bucket}\n${object.key}`) ?? []).filter((t) => t.pipeline.queueName === message.queueName);
        const task = candidates.find((t) => object.sequencer !== undefined && t.sequencer === object.sequencer) ?? candidates[0];
        if (!task) continue;
        const lastError = this.lastError.get(task);
        this.finish(task, 'failed', 'dead-letter-queue', {
          code: 'DEAD_LETTERED',
          message: `Moved to the dead-letter queue after ${Math.max(1, task.attempts)} attempts${lastError ? `; last error: ${lastError.errorType}: ${lastError.errorMessage}` : ''}`,
        });
      }
    }
  }

  /**
   * Hands a written document to the task it belongs to: the only candidate at once; among several
   * uploads of the key pending, the one whose sequencer the document's `input` records.
   */
  private claim(candidates: readonly Task[], bucket: string, key: string, settle: (task: Task) => void): void {
    if (candidates.length === 1 || !this.readDocument) {
      settle(candidates[0]!);
      return;
    }
    const snapshot = [...candidates];
    this.readDocument(bucket, key).then(
      (document) => {
        const sequencer = (document as { input?: { sequencer?: unknown } } | undefined)?.input?.sequencer;
        const pending = snapshot.filter((task) => task.status === 'pending');
        const owner =
          (typeof sequencer === 'string' ? pending.find((task) => task.sequencer === sequencer) : undefined) ??
          // Without a recorded sequencer the newest upload is the one a key's current document describes.
          [...pending].sort((a, b) => compareSequencers(b.sequencer ?? '', a.sequencer ?? ''))[0];
        if (owner) settle(owner);
      },
      (error: unknown) => {
        this.onError(new Error(`Reading s3://${bucket}/${key} failed: ${(error as Error).message}`));
        const first = snapshot.find((task) => task.status === 'pending');
        if (first) settle(first);
      },
    );
  }

  private async failureOf(bucket: string, key: string): Promise<TaskError> {
    if (!this.readDocument) return this.readFailure(bucket, key);
    const record = (await this.readDocument(bucket, key)) as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
    return { code: record?.code ?? 'UNKNOWN', message: record?.message ?? '', ...(record?.details ? { details: record.details } : {}) };
  }

  private finish(task: Task, status: Exclude<TaskStatus, 'pending'>, end: TaskEnd, error?: TaskError): void {
    if (task.status !== 'pending') return;
    this.unindex(task);
    task.status = status;
    task.end = end;
    task.endedAt = Date.now();
    task.attempts = Math.max(1, task.attempts);
    if (error) task.error = error;
    this.settle.get(task)?.(task);
    for (const listener of this.listeners) listener(task);
  }

  private unindex(task: Task): void {
    remove(this.pendingByKey, `${task.bucket}\n${task.key}`, task);
    remove(this.byResultKey, `${task.pipeline.resultsBucket}\n${task.resultKey}`, task);
    remove(this.byFailureKey, `${task.pipeline.resultsBucket}\n${task.failureKey}`, task);
  }
}

/** The worker's `outcome: superseded` lines among an invocation's Powertools JSON logs. */
function supersededLines(logs: readonly { text: string }[] | undefined): SupersededLine[] {
  const lines: SupersededLine[] = [];
  for (const { text } of logs ?? []) {
    if (!text.includes('"superseded"')) continue;
    try {
      const parsed = JSON.parse(text) as Partial<SupersededLine>;
      if (parsed.outcome === 'superseded' && typeof parsed.key === 'string') lines.push(parsed as SupersededLine);
    } catch {
      // Not a JSON log line.
    }
  }
  return lines;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function remove<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (!list) return;
  const at = list.indexOf(value);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}
