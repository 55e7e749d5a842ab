import { estimateTaskCost, gbSeconds, type Architecture } from '../cost/estimate.ts';
import { priceTableFor } from '../cost/price-table.ts';
import type { KitEventPublisher } from './task-events.ts';
import { taskIdentityOf, type EventObject } from './task-identity.ts';
import type { TaskLedger } from './task-ledger.ts';
import type { TaskError, TaskRecord } from './task-record.ts';
import { s3RequestClasses, type RequestCounter } from './request-counter.ts';

export type RunOutcome =
  | { readonly state: 'succeeded'; readonly resultKey: string }
  | { readonly state: 'failed'; readonly failure: NonNullable<TaskRecord['failure']> }
  | { readonly state: 'superseded' }
  | { readonly state: 'retrying'; readonly error: TaskError };

/** What one attempt was billed, as recorded in the task table (the worker logs it for the kit's metrics). */
export interface AttemptCharge {
  readonly billedDurationMs: number;
  /** Estimated cost of the attempt in USD: compute and the requests around it. */
  readonly costUsd: number;
}

/** One attempt of one task, from the worker's side. */
export interface TaskRun {
  readonly taskId: string;
  /** 1-based; the message's receive count when the task table is off. */
  readonly attempt: number;
  /** Records the outcome; answers the attempt's charge, or undefined with the task table off. */
  end(outcome: RunOutcome): Promise<AttemptCharge | undefined>;
}

export interface TaskTrackingOptions {
  readonly pipeline: { readonly id: string; readonly ingestPrefix: string };
  /** Absent when the stack leaves the task table out: runs still get their ids, nothing is written. */
  readonly ledger?: TaskLedger;
  readonly events?: KitEventPublisher;
  readonly architecture: Architecture;
  readonly memoryMb: number;
  readonly region: string;
  /** Counts the S3 requests of each task for its cost. */
  readonly s3Requests?: RequestCounter;
  readonly now?: () => number;
}

/**
 * Write units one attempt costs: two requests (its start and its end), each writing the base item
 * (a unit per KB: a one-attempt record is about 0.7 KB) and every index item it changes. The
 * indexes hold keys only (TASK_TABLE), so a write touches only those whose key it changes. The
 * first start puts all four index items (1 + 4); an end moves the two state indexes, a delete and
 * a put each (1 + 4); a later start moves them back (1 + 4).
 */
export const TASK_WRITES_FIRST_ATTEMPT = 10;
export const TASK_WRITES_LATER_ATTEMPT = 10;

/**
 * The worker's view of the task model: each object's delivery starts an attempt in the task
 * table (or learns that its task already ended, or was stopped), and ends it with the outcome,
 * its billed duration, memory and estimated cost; terminal outcomes are announced on the kit bus.
 */
export class TaskTracking {
  private readonly prices;

  constructor(private readonly options: TaskTrackingOptions) {
    this.prices = priceTableFor(options.region).table;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Starts an attempt; undefined when the task must not run (finished already, or stopped). */
  async begin(object: EventObject, delivery: { readonly requestId: string; readonly receiveCount: number }): Promise<TaskRun | { readonly skip: string; readonly taskId: string }> {
    const { ledger } = this.options;
    const identity = taskIdentityOf(this.options.pipeline, object, this.options.architecture);
    const startedAt = this.now();
    this.options.s3Requests?.take();
    if (!ledger) return this.run(identity.taskId, delivery.receiveCount, startedAt);
    const start = await ledger.startAttempt(identity, { requestId: delivery.requestId, receiveCount: delivery.receiveCount, startedAt, memoryMb: this.options.memoryMb });
    if (!start.start) return { skip: start.state ?? 'unknown', taskId: identity.taskId };
    return this.run(identity.taskId, start.attempt, startedAt, identity.pipeline);
  }

  private run(taskId: string, attempt: number, startedAt: number, pipeline = this.options.pipeline.id): TaskRun {
    const { ledger, events } = this.options;
    return {
      taskId,
      attempt,
      end: async (outcome) => {
        if (!ledger) return undefined;
        const endedAt = this.now();
        // Lambda bills each invocation by the millisecond; a batch's records share it, so each task is billed its own share.
        const billedDurationMs = Math.max(1, Math.ceil(endedAt - startedAt));
        const requests = s3RequestClasses(this.options.s3Requests?.take() ?? new Map());
        const terminal = outcome.state !== 'retrying';
        const cost = estimateTaskCost([{ billedDurationMs, memoryMb: this.options.memoryMb }], this.options.architecture, {
          ...requests,
          // Receive and delete of the message (S3's send on the first attempt).
          sqsRequests: attempt === 1 ? 3 : 2,
          dynamodbWrites: attempt === 1 ? TASK_WRITES_FIRST_ATTEMPT : TASK_WRITES_LATER_ATTEMPT,
          events: terminal && events ? 1 : 0,
        }, this.prices);
        const ended = await ledger.finishAttempt(taskId, pipeline, attempt, {
          state: outcome.state,
          endedAt,
          billedDurationMs,
          memoryUsedMb: Math.round(process.resourceUsage().maxRSS / 1024),
          gbSeconds: gbSeconds({ billedDurationMs, memoryMb: this.options.memoryMb }),
          costUsd: cost.usd,
          ...(outcome.state === 'succeeded' ? { resultKey: outcome.resultKey } : {}),
          ...(outcome.state === 'failed' ? { failure: outcome.failure, error: { code: outcome.failure.code, message: outcome.failure.message } } : {}),
          ...(outcome.state === 'retrying' ? { error: outcome.error } : {}),
        });
        // The end write answers the record it left: the event describes exactly what was recorded.
        if (ended && terminal && events) await events.publishTask(ended);
        return { billedDurationMs, costUsd: cost.usd };
      },
    };
  }
}
