import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createSqsClient } from './aws-clients.ts';
import { isPermanentError, isSupersededError, OutcomeUnknownError, PermanentError, SharedErrorCode, type FailureRecord, type SourceIdentity } from './errors.ts';
import { compareSequencers } from './keys.ts';
import { logger } from './logger.ts';
import { failureKeyOf, outputFolderOf, resultKeyOf } from './pipeline-contract.ts';
import { isMalformedEventError, objectsFromMessageBody, type S3ObjectRef } from './s3-event.ts';
import { assertStillCurrent, deleteObject, readJsonIfExists, writeJson, writeObject } from './s3-io.ts';
import type { WorkerSettings } from './settings.ts';
import type { AttemptCharge, RunOutcome } from './tasks/task-tracking.ts';
import { tasksFromEnvironment } from './tasks/tasks-from-environment.ts';
import { budgetReserveMs, startBudget, withinBudget } from './time-budget.ts';

/**
 * How a task's attempt ended, as logged on its `outcome` line: the local runtime reads `superseded`
 * from it, and the stack's metric filters (lib/constructs/monitoring-metrics.ts) count outcomes and
 * sum `durationMs` and `costMicroUsd` from it.
 */
export type TaskOutcome = 'succeeded' | 'failed' | 'superseded' | 'retrying' | 'deferred' | 'skipped';

/** What the worker hands `processObject` for one object: its budget, its layout, guarded writes. */
export interface ObjectWork {
  /** Milliseconds this object was given. */
  readonly budgetMs: number;
  /** Epoch ms when the budget runs out. */
  readonly deadline: number;
  /** Fires when the budget runs out: hand it to SDK calls, sharp, child processes (`spawn(…, { signal })`). */
  readonly signal: AbortSignal;
  remainingMs(): number;
  /** Runs work under the budget: its value, or the pipeline's timeout PermanentError once the budget is spent. */
  withinBudget<T>(work: Promise<T> | (() => Promise<T>)): Promise<T>;
  /** A directory of this object's own under /tmp, removed by the worker after the object (success or failure). */
  readonly scratchDir: string;
  /** Which upload this is; result documents carry it as `input`, so outcomes can be ordered. */
  readonly source: SourceIdentity;
  /** `<outputPrefix><rel>/` */
  readonly outputFolder: string;
  /** `<outputFolder><resultDocument>` */
  readonly resultKey: string;
  /** Throws SupersededError when the key no longer holds this upload: call before writing outputs. */
  assertCurrent(): Promise<void>;
  /** Puts one output under {@link outputFolder}; refused once the budget is spent. */
  writeOutput(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /** Writes the result document (last: its presence means the result is complete); refused once the budget is spent. */
  writeResult(document: unknown): Promise<void>;
}

/**
 * Where each object's attempt is recorded (the task table: TaskTracking of functions/shared/tasks
 * fits). `begin` may answer `skip` for a task that must not run (already terminal, or stopped);
 * `end` may answer what the attempt was billed, which goes onto the attempt's outcome line.
 */
export interface TaskHooks {
  begin(
    object: S3ObjectRef,
    delivery: { readonly requestId: string; readonly receiveCount: number },
  ): Promise<{ end(outcome: RunOutcome): Promise<AttemptCharge | undefined | void> } | { readonly skip: string; readonly taskId: string }>;
}

export interface QueueWorkerOptions {
  readonly settings: WorkerSettings;
  readonly s3: S3Client;
  /** Sends deferred records back to the work queue. @default createSqsClient() */
  readonly sqs?: SQSClient;
  /** Does the pipeline's work for one uploaded object; throws PermanentError for bad input. */
  readonly processObject: (object: S3ObjectRef, work: ObjectWork) => Promise<void>;
  /** The code of this pipeline's "over the time budget" failure, e.g. IMAGE_PROCESSING_TIMEOUT; one of the contract's codes. */
  readonly timeoutCode: string;
  /** Records each object's attempt and outcome. @default the task table and bus the environment names (tasksFromEnvironment) */
  readonly tasks?: TaskHooks;
}

/** The object key(s) a record names, for log lines written before it is parsed for work. */
function keysOf(record: SQSRecord): { key?: string; keys?: string[] } {
  try {
    const keys = objectsFromMessageBody(record.body).map((object) => object.key);
    return keys.length === 1 ? { key: keys[0]! } : { keys };
  } catch {
    return {};
  }
}

/** A record left for redelivery because it could not be deferred (no queue URL, or the send failed). */
export class NotStartedError extends Error {
  override readonly name = 'NotStartedError';
}

/**
 * The SQS handler every pipeline shares (DESIGN.md, "Error model"):
 * - each object gets its time budget (a deadline and an AbortSignal); work over budget becomes a
 *   permanent failure with the pipeline's timeout code, so it never times out its batch-mates;
 * - a permanent error writes `failures/<input key>.json` and the message is deleted;
 * - a read pinned to the event's eTag/version that finds a newer upload ends the task
 *   `superseded`: nothing written, one `outcome: superseded` log line;
 * - any other error (a message that is not an S3 event included) reports the record in
 *   batchItemFailures, so SQS redelivers it and dead-letters it after maxReceiveCount;
 * - one outcome per key: a success removes an earlier failure record, a failure an earlier
 *   result document, but only when the stored `input` shows an older upload;
 * - records run one at a time; a record that no longer fits in the invocation is not started but
 *   sent back to the queue as a fresh message (receive count 0) and reported processed, so
 *   deferral never counts toward the DLQ.
 */
export function createQueueWorkerHandler(options: QueueWorkerOptions): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { settings, s3, processObject, timeoutCode } = options;
  const { contract, resultsBucket, timeBudgetMs } = settings;
  const declared = new Set<string>([...contract.errorCodes, ...Object.values(SharedErrorCode)]);
  if (!declared.has(timeoutCode)) {
    throw new Error(`Pipeline '${contract.id}': timeoutCode ${timeoutCode} is not among its contract's errorCodes`);
  }
  // Every pipeline records its tasks the same way, as its construct configured it.
  const tasks = options.tasks ?? tasksFromEnvironment(settings.contract, s3);
  let sqs = options.sqs;
  const processor = new BatchProcessor(EventType.SQS);
  let invocation = { context: undefined as Context | undefined, reserveMs: 0, started: 0 };

  async function processRecord(record: SQSRecord): Promise<void> {
    const attempt = Number(record.attributes.ApproximateReceiveCount);
    logger.appendKeys({ messageId: record.messageId, attempt });
    try {
      const remaining = invocation.context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
      if (invocation.started > 0 && remaining < timeBudgetMs + invocation.reserveMs) {
        await defer(record, remaining);
        return;
      }
      invocation.started += 1;
      let objects: S3ObjectRef[];
      try {
        objects = objectsFromMessageBody(record.body);
      } catch (error) {
        if (isMalformedEventError(error)) {
          logger.error('The message is not an S3 event; it will be retried and dead-lettered', { outcome: 'retrying', code: error.code, error });
        }
        throw error;
      }
      for (const object of objects) await processOne(object, remaining, attempt);
    } finally {
      logger.removeKeys(['messageId', 'attempt', 'key']);
    }
  }

  async function defer(record: SQSRecord, remainingMs: number): Promise<void> {
    const needed = timeBudgetMs + invocation.reserveMs;
    if (!settings.workQueueUrl) {
      logger.warn('Record not started: too little time left; it will be redelivered', { outcome: 'retrying', remainingMs, neededMs: needed });
      throw new NotStartedError(`Not started with ${remainingMs} ms left (needs ${needed} ms)`);
    }
    sqs ??= createSqsClient();
    try {
      // A fresh message with the same body: its receive count starts at 0, so a record the worker
      // chose not to start never moves toward the DLQ. If the batch's delete later fails, the
      // event is delivered twice, which the pipeline's deterministic outputs make harmless.
      await sqs.send(new SendMessageCommand({ QueueUrl: settings.workQueueUrl, MessageBody: record.body }));
    } catch (error) {
      logger.warn('Record not started and could not be sent back; it will be redelivered', { outcome: 'retrying', error });
      throw new NotStartedError(`Not started with ${remainingMs} ms left; re-sending failed: ${(error as Error).message}`, { cause: error });
    }
    logger.info('Record deferred: too little time left in this invocation; sent back to the queue as a new message', {
      outcome: 'deferred',
      ...keysOf(record),
      remainingMs,
      neededMs: needed,
    });
  }

  async function processOne(object: S3ObjectRef, invocationRemainingMs: number, receiveCount: number): Promise<void> {
    logger.appendKeys({ key: object.key });
    const began = Date.now();
    const run = await tasks.begin(object, { requestId: invocation.context?.awsRequestId ?? 'unknown', receiveCount });
    if ('skip' in run) {
      logger.info(`Task not run: it is ${run.skip}`, { outcome: 'skipped', taskId: run.taskId });
      return;
    }
    const source: SourceIdentity = {
      bucket: object.bucket,
      key: object.key,
      ...(object.eTag ? { eTag: object.eTag } : {}),
      ...(object.versionId ? { versionId: object.versionId } : {}),
      ...(object.sequencer ? { sequencer: object.sequencer } : {}),
    };
    const log = { bucket: object.bucket, ...(object.eTag ? { eTag: object.eTag } : {}), ...(object.sequencer ? { sequencer: object.sequencer } : {}) };
    // The first record of a squeezed invocation still gets what is left, less the time to record its outcome.
    const budgetMs = Math.max(100, Math.min(timeBudgetMs, invocationRemainingMs - invocation.reserveMs / 2));
    const budget = startBudget(budgetMs);
    const overBudget = () =>
      new PermanentError(timeoutCode, `Processing took longer than the ${budgetMs} ms time budget per object`, { budgetMs });
    const resultKey = resultKeyOf(contract, object.key);
    const failureKey = failureKeyOf(object.key);
    const outputFolder = outputFolderOf(contract, object.key);
    let scratch: string | undefined;
    const work: ObjectWork = {
      budgetMs,
      deadline: budget.deadline,
      signal: budget.signal,
      remainingMs: () => budget.remainingMs(),
      // The deadline is checked by the clock too: work that blocked the event loop past it never let the timer fire.
      withinBudget: async (promise) => {
        const value = await withinBudget(promise, budget.signal, overBudget);
        if (budget.expired) throw overBudget();
        return value;
      },
      get scratchDir() {
        scratch ??= mkdtempSync(join(tmpdir(), `${contract.id}-`));
        return scratch;
      },
      source,
      outputFolder,
      resultKey,
      assertCurrent: () => assertStillCurrent(s3, object, budget.signal),
      async writeOutput(key, body, contentType) {
        if (!key.startsWith(outputFolder)) throw new Error(`Output ${key} is outside this input's folder ${outputFolder}`);
        if (budget.expired) throw overBudget();
        await writeObject(s3, resultsBucket, key, body, contentType, budget.signal);
      },
      async writeResult(document) {
        if (budget.expired) throw overBudget();
        await writeJson(s3, resultsBucket, resultKey, document, budget.signal);
      },
    };
    try {
      await processObject(object, work);
      const failure = await storedOrder(failureKey, object);
      if (failure === 'newer') {
        logger.warn('A newer upload of this key failed after this one started; its failure record stays', { ...log });
      } else if (failure !== 'none') {
        await deleteObject(s3, resultsBucket, failureKey);
      }
      const charge = await run.end({ state: 'succeeded', resultKey });
      logger.info('Task succeeded', { outcome: 'succeeded', durationMs: Date.now() - began, ...chargeFields(charge), ...log });
    } catch (caught) {
      let error = caught;
      if (isSupersededError(error)) {
        const charge = await run.end({ state: 'superseded' });
        logSuperseded(error.message, began, { ...chargeFields(charge), ...log });
        return;
      }
      if (budget.expired && !isPermanentError(error) && !(error instanceof OutcomeUnknownError)) error = overBudget();
      if (!isPermanentError(error)) {
        const durationMs = Date.now() - began;
        const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
        const charge = await run.end({ state: 'retrying', error: { code: name, message } }).catch((end: unknown) => void logger.error('Recording the retry failed', { error: end }));
        logger.error('Task failed; the message will be retried', { outcome: 'retrying', error, durationMs, ...chargeFields(charge), ...log });
        throw error;
      }
      const ended = await recordFailure(object, source, error, { resultKey, failureKey });
      const durationMs = Date.now() - began;
      if (ended === 'failed') {
        const charge = await run.end({ state: 'failed', failure: { code: error.code, message: error.message, details: error.details, recordKey: failureKey } });
        logger.warn('Task rejected its input', { outcome: 'failed', code: error.code, reason: error.message, durationMs, ...chargeFields(charge), ...log });
      } else {
        const charge = await run.end({ state: 'superseded' });
        logSuperseded(ended.superseded, began, { ...chargeFields(charge), ...log });
      }
    } finally {
      budget.dispose();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  }

  async function recordFailure(
    object: S3ObjectRef,
    source: SourceIdentity,
    error: PermanentError,
    at: { resultKey: string; failureKey: string },
  ): Promise<'failed' | { readonly superseded: string }> {
    if (!declared.has(error.code)) {
      logger.warn(`Error code ${error.code} is not declared in the '${contract.id}' pipeline contract`, { code: error.code });
    }
    // A failure of an upload that has since been replaced is not this key's outcome.
    try {
      await assertStillCurrent(s3, object);
    } catch (check) {
      if (isSupersededError(check)) return { superseded: check.message };
      throw check;
    }
    const result = await storedOrder(at.resultKey, object);
    if (result === 'newer') return { superseded: 'A newer upload of this key already has a result' };
    const record: FailureRecord = {
      input: source,
      pipeline: contract.id,
      code: error.code,
      message: error.message,
      details: error.details,
      failedAt: new Date().toISOString(),
    };
    await writeJson(s3, resultsBucket, at.failureKey, record);
    if (result !== 'none') await deleteObject(s3, resultsBucket, at.resultKey);
    return 'failed';
  }

  /**
   * How a stored outcome (result document or failure record) of this key relates to this upload,
   * from the `input` it records. Without sequencers to compare, a stored outcome is taken as older:
   * this upload was verified current by its pinned read.
   */
  async function storedOrder(key: string, object: S3ObjectRef): Promise<'none' | 'older' | 'same' | 'newer'> {
    const stored = await readJsonIfExists(s3, resultsBucket, key);
    if (stored === undefined) return 'none';
    const input = (stored as { input?: Partial<SourceIdentity> } | null)?.input;
    if (typeof input?.sequencer === 'string' && object.sequencer) {
      const order = compareSequencers(input.sequencer, object.sequencer);
      return order < 0 ? 'older' : order > 0 ? 'newer' : 'same';
    }
    return input?.eTag !== undefined && input.eTag === object.eTag ? 'same' : 'older';
  }

  function logSuperseded(reason: string, began: number, log: Record<string, unknown>): void {
    logger.info('Task superseded: the object changed after its event; the newer upload is its own task', {
      outcome: 'superseded',
      reason,
      durationMs: Date.now() - began,
      ...log,
    });
  }

  return async (event, context) => {
    logger.addContext(context);
    invocation = { context, reserveMs: budgetReserveMs(context.getRemainingTimeInMillis()), started: 0 };
    return processPartialResponse(event, processRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  };
}

/**
 * What an attempt cost, as its outcome line carries it: micro-USD in plain decimals (six places),
 * because JSON writes a cost like 4.1e-7 USD in exponent notation, which a metric filter's numeric
 * comparison and value extraction need not read.
 */
function chargeFields(charge: { readonly billedDurationMs: number; readonly costUsd: number } | void | undefined): { billedDurationMs?: number; costMicroUsd?: number } {
  return charge ? { billedDurationMs: charge.billedDurationMs, costMicroUsd: Number((charge.costUsd * 1e6).toFixed(6)) } : {};
}
