import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { Expression } from './update-expression.ts';
import type { Architecture } from '../cost/estimate.ts';
import { taskIdFloor } from './task-id.ts';
import type { TaskAttempt, TaskError, TaskInput, TaskRecord } from './task-record.ts';
import { allowedSources, isTerminal, RETRYABLE_STATES, STOPPABLE_STATES, type TaskState } from './task-states.ts';
import { inputRef, pipelineStateKey, TASK_TABLE } from './task-table.ts';

export interface TaskIdentity {
  readonly taskId: string;
  readonly pipeline: string;
  readonly origin: TaskRecord['origin'];
  readonly input: TaskInput;
  /** When the task was created: the upload's event time or the submission's. */
  readonly createdAt: number;
  readonly architecture?: Architecture;
}

export interface AttemptStart {
  readonly requestId: string;
  readonly receiveCount?: number;
  readonly startedAt: number;
  readonly memoryMb: number;
}

export interface AttemptEnd {
  readonly state: Extract<TaskState, 'succeeded' | 'failed' | 'superseded' | 'retrying'>;
  readonly endedAt: number;
  readonly billedDurationMs: number;
  readonly memoryUsedMb?: number;
  readonly error?: TaskError;
  readonly resultKey?: string;
  readonly failure?: TaskRecord['failure'];
  readonly gbSeconds: number;
  readonly costUsd: number;
}

export type StartOutcome = { readonly start: true; readonly attempt: number } | { readonly start: false; readonly state: TaskState | undefined };

export interface ListQuery {
  readonly pipeline?: string;
  readonly state?: TaskState;
  /** Only tasks created at or after this time (epoch ms). */
  readonly since?: number;
  /** @default 50 */
  readonly limit?: number;
  /** The `next` token of the previous page. */
  readonly next?: string;
}

export interface TaskPage {
  readonly tasks: TaskRecord[];
  readonly next?: string;
}

export type StopOutcome = { readonly stopped: true } | { readonly stopped: false; readonly state: TaskState | undefined };
export type RetryOutcome = { readonly retried: true; readonly task: TaskRecord } | { readonly retried: false; readonly state: TaskState | undefined };
export type IdempotencyOutcome =
  | { readonly kind: 'new'; readonly taskId: string }
  | { readonly kind: 'replay'; readonly taskId: string }
  | { readonly kind: 'conflict'; readonly taskId: string };

export interface TaskLedgerOptions {
  /** Finished tasks expire after this many days. @default 30 */
  readonly ttlDays?: number;
  /** How long an Idempotency-Key is remembered. @default 1 day */
  readonly idempotencyTtlSeconds?: number;
  readonly now?: () => number;
}

const DAY_SECONDS = 86_400;
const IDEMPOTENCY_PREFIX = 'idempotency#';
const MAX_PAGE = 200;
/** BatchGetItem's limit of keys per request. */
const BATCH_GET_KEYS = 100;
/** How often a batch read asks again for keys DynamoDB left unprocessed (throttling) before it fails. */
const BATCH_GET_ROUNDS = 8;

/**
 * The task table's only writer and reader. Every write is conditional on the states the task may
 * move from ({@link allowedSources}), so a late or duplicate delivery never moves a finished task
 * backwards; only {@link requestRetry} reopens one.
 */
export class TaskLedger {
  private readonly ttlDays: number;

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    private readonly options: TaskLedgerOptions = {},
  ) {
    this.ttlDays = options.ttlDays ?? 30;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private expiresAt(at: number): number {
    return Math.floor(at / 1000) + this.ttlDays * DAY_SECONDS;
  }

  /** A submitted task (`POST /tasks`), queued until its input's event reaches the worker. */
  async createQueued(task: TaskIdentity): Promise<TaskRecord> {
    const now = this.now();
    // A submission whose file never arrives expires like a finished task.
    const record: TaskRecord = { ...task, state: 'queued', updatedAt: now, attempts: [], attemptCount: 0, gbSeconds: 0, costUsd: 0, expiresAt: this.expiresAt(now) };
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({ ...record, ...this.indexKeys(record) }, { removeUndefinedValues: true }),
        ConditionExpression: 'attribute_not_exists(taskId)',
      }),
    );
    return record;
  }

  /**
   * Records that a delivery starts work on the task, creating the record at an upload's first
   * delivery. `start: false` names the state that forbids it: a finished or stopped task never
   * runs again through a delivery.
   */
  async startAttempt(task: TaskIdentity, attempt: AttemptStart): Promise<StartOutcome> {
    const e = new Expression();
    const condition = `(attribute_not_exists(taskId) OR ${e.oneOf(e.path('state'), allowedSources('running'))}) AND attribute_not_exists(${e.path('stopRequestedAt')})`;
    const update = [
      ...this.identityAssignments(e, task),
      ...e.assignments({ state: 'running', pipelineState: pipelineStateKey(task.pipeline, 'running'), updatedAt: this.now(), architecture: task.architecture }),
      `${e.path('attempts')} = list_append(if_not_exists(${e.path('attempts')}, ${e.value([])}), ${e.value([attempt])})`,
    ];
    const updated = await this.conditionalUpdate(task.taskId, e, condition, `SET ${update.join(', ')} ADD ${e.path('attemptCount')} ${e.value(1)}`, 'UPDATED_NEW');
    if (updated) return { start: true, attempt: Number(updated.attemptCount) };
    const current = await this.get(task.taskId);
    // A stop asked for while the task ran takes effect at its next delivery.
    if (current?.stopRequestedAt !== undefined && !isTerminal(current.state)) {
      await this.settle(current, 'stopped', ['queued', 'running', 'retrying'], {});
      return { start: false, state: 'stopped' };
    }
    return { start: false, state: current?.state };
  }

  /**
   * Ends attempt `attempt` (1-based). A terminal outcome ends the task unless it already ended; a
   * `retrying` outcome counts only from the current attempt, so an older duplicate that failed
   * cannot reopen a task a newer one moved on. Answers the record as this write left it (what a
   * task event describes, without reading it again), or undefined when the task's state did not change.
   */
  async finishAttempt(taskId: string, pipeline: string, attempt: number, end: AttemptEnd): Promise<TaskRecord | undefined> {
    const e = new Expression();
    const index = attempt - 1;
    const terminal = end.state !== 'retrying';
    const attemptFields = { endedAt: end.endedAt, billedDurationMs: end.billedDurationMs, outcome: end.state, memoryUsedMb: end.memoryUsedMb, error: end.error };
    const update = [
      ...Object.entries(attemptFields)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${e.path('attempts', index, name)} = ${e.value(value)}`),
      `${e.path('attempts', index, 'durationMs')} = ${e.value(end.endedAt)} - ${e.path('attempts', index, 'startedAt')}`,
      ...e.assignments({
        state: end.state,
        pipelineState: pipelineStateKey(pipeline, end.state),
        updatedAt: this.now(),
        ...(terminal ? { finishedAt: end.endedAt, expiresAt: this.expiresAt(end.endedAt), resultKey: end.resultKey, failure: end.failure } : {}),
      }),
    ];
    const condition = terminal
      ? e.oneOf(e.path('state'), ['queued', 'running', 'retrying'])
      : `${e.path('state')} = ${e.value('running')} AND ${e.path('attemptCount')} = ${e.value(attempt)} AND attribute_not_exists(${e.path('stopRequestedAt')})`;
    const add = `ADD ${e.path('gbSeconds')} ${e.value(end.gbSeconds)}, ${e.path('costUsd')} ${e.value(end.costUsd)}`;
    const ended = await this.conditionalUpdate(taskId, e, condition, `SET ${update.join(', ')} ${add}`, 'ALL_NEW');
    if (ended) return this.fromPlain(ended);
    const current = await this.get(taskId);
    // A running task asked to stop does not go back to its queue: it stops.
    if (!terminal && current?.stopRequestedAt !== undefined && !isTerminal(current.state)) return this.settle(current, 'stopped', ['running', 'retrying'], {});
    return undefined;
  }

  /**
   * The dead-letter recorder's write: the task's message left its queue for good. Creates the
   * record when no attempt ever wrote one (an environment that died before the worker ran).
   * Answers the record as this write left it, or undefined when the task had ended already.
   */
  async markDeadLettered(task: TaskIdentity, details: { readonly error: TaskError; readonly retryMessage: string }): Promise<TaskRecord | undefined> {
    const e = new Expression();
    const now = this.now();
    const condition = `attribute_not_exists(taskId) OR ${e.oneOf(e.path('state'), allowedSources('dead-lettered'))}`;
    const update = [
      ...this.identityAssignments(e, task),
      `${e.path('attempts')} = if_not_exists(${e.path('attempts')}, ${e.value([])})`,
      `${e.path('attemptCount')} = if_not_exists(${e.path('attemptCount')}, ${e.value(0)})`,
      ...e.assignments({
        state: 'dead-lettered',
        pipelineState: pipelineStateKey(task.pipeline, 'dead-lettered'),
        updatedAt: now,
        finishedAt: now,
        expiresAt: this.expiresAt(now),
        failure: details.error,
        retryMessage: details.retryMessage,
      }),
    ];
    const recorded = await this.conditionalUpdate(task.taskId, e, condition, `SET ${update.join(', ')}`, 'ALL_NEW');
    return recorded && this.fromPlain(recorded);
  }

  /** Stops a queued or retrying task; a running one finishes its attempt and is not retried. */
  async requestStop(taskId: string): Promise<StopOutcome> {
    const current = await this.get(taskId);
    if (!current) return { stopped: false, state: undefined };
    if (STOPPABLE_STATES.has(current.state)) {
      if ((await this.settle(current, 'stopped', [...STOPPABLE_STATES], { stopRequestedAt: this.now() })) !== undefined) return { stopped: true };
      return { stopped: false, state: (await this.get(taskId))?.state };
    }
    if (current.state === 'running') {
      const e = new Expression();
      await this.conditionalUpdate(taskId, e, `${e.path('state')} = ${e.value('running')}`, `SET ${e.assignments({ stopRequestedAt: this.now(), updatedAt: this.now() }).join(', ')}`);
    }
    return { stopped: false, state: current.state };
  }

  /** Reopens a failed, dead-lettered or stopped task as queued: the caller then re-sends its message. */
  async requestRetry(taskId: string): Promise<RetryOutcome> {
    const current = await this.get(taskId);
    if (!current || !RETRYABLE_STATES.has(current.state)) return { retried: false, state: current?.state };
    const e = new Expression();
    const updated = await this.conditionalUpdate(
      taskId,
      e,
      `${e.path('state')} = ${e.value(current.state)}`,
      `SET ${e.assignments({ state: 'queued', pipelineState: pipelineStateKey(current.pipeline, 'queued'), updatedAt: this.now() }).join(', ')}` +
        ` REMOVE ${['finishedAt', 'expiresAt', 'stopRequestedAt', 'failure'].map((name) => e.path(name)).join(', ')}` +
        ` ADD ${e.path('retries')} ${e.value(1)}`,
      'ALL_NEW',
    );
    if (updated) return { retried: true, task: this.fromPlain(updated) };
    return { retried: false, state: (await this.get(taskId))?.state };
  }

  /**
   * Remembers an Idempotency-Key with the hash of the body it came with: the same key and body
   * name the same task, the same key with another body is a conflict.
   */
  async claimIdempotencyKey(key: string, bodyHash: string, taskId: string): Promise<IdempotencyOutcome> {
    const id = `${IDEMPOTENCY_PREFIX}${key}`;
    const now = this.now();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ taskId: id, bodyHash, target: taskId, [TASK_TABLE.ttlAttribute]: Math.floor(now / 1000) + (this.options.idempotencyTtlSeconds ?? DAY_SECONDS) }),
          ConditionExpression: 'attribute_not_exists(taskId)',
        }),
      );
      return { kind: 'new', taskId };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const response = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall({ taskId: id }), ConsistentRead: true }));
      const item = unmarshall(response.Item!) as { bodyHash: string; target: string };
      return { kind: item.bodyHash === bodyHash ? 'replay' : 'conflict', taskId: item.target };
    }
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    if (taskId.startsWith(IDEMPOTENCY_PREFIX)) return undefined;
    const response = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall({ taskId }), ConsistentRead: true }));
    return response.Item ? this.fromItem(response.Item) : undefined;
  }

  /** The tasks of one input object, newest first. */
  async forInput(bucket: string, key: string): Promise<TaskRecord[]> {
    const index = TASK_TABLE.indexes.byInput;
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: `${index.partitionKey} = :ref`,
        ExpressionAttributeValues: marshall({ ':ref': inputRef(bucket, key) }),
        ScanIndexForward: false,
      }),
    );
    return this.recordsOf(response.Items ?? []);
  }

  /**
   * Newest first. A pipeline and/or state is answered from an index; no filter scans the table
   * (fine for a dev runtime, costly for a large deployed one: pass a filter there).
   */
  async list(query: ListQuery = {}): Promise<TaskPage> {
    const limit = Math.min(Math.max(1, query.limit ?? 50), MAX_PAGE);
    const startKey = query.next ? decodeToken(query.next) : undefined;
    const partition = this.partitionFor(query);
    if (!partition) {
      const response = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: `attribute_exists(pipeline)${query.since !== undefined ? ' AND taskId >= :floor' : ''}`,
          ...(query.since !== undefined ? { ExpressionAttributeValues: marshall({ ':floor': taskIdFloor(query.since) }) } : {}),
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const tasks = (response.Items ?? []).map((item) => this.fromItem(item)).sort((a, b) => b.taskId.localeCompare(a.taskId));
      return { tasks, ...(response.LastEvaluatedKey ? { next: encodeToken(response.LastEvaluatedKey) } : {}) };
    }
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: partition.index,
        KeyConditionExpression: `#pk = :pk${query.since !== undefined ? ' AND taskId >= :floor' : ''}`,
        ExpressionAttributeNames: { '#pk': partition.attribute },
        ExpressionAttributeValues: marshall({ ':pk': partition.value, ...(query.since !== undefined ? { ':floor': taskIdFloor(query.since) } : {}) }),
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    // A record that moved on since the index named it (another state now) is left out of the page.
    const matches = (task: TaskRecord) => (query.pipeline === undefined || task.pipeline === query.pipeline) && (query.state === undefined || task.state === query.state);
    return {
      tasks: await this.recordsOf(response.Items ?? [], matches),
      ...(response.LastEvaluatedKey ? { next: encodeToken(response.LastEvaluatedKey) } : {}),
    };
  }

  /**
   * The records an index query named (its items hold keys only), read from the table in the
   * query's order; records gone since (expired) or no longer matching are left out.
   */
  private async recordsOf(indexItems: readonly Record<string, AttributeValue>[], matches: (task: TaskRecord) => boolean = () => true): Promise<TaskRecord[]> {
    const ids = indexItems.map((item) => item[TASK_TABLE.partitionKey]!.S!);
    const found = new Map<string, TaskRecord>();
    for (let start = 0; start < ids.length; start += BATCH_GET_KEYS) {
      let keys: Record<string, AttributeValue>[] | undefined = ids.slice(start, start + BATCH_GET_KEYS).map((taskId) => marshall({ taskId }));
      for (let round = 0; keys?.length; round++) {
        if (round === BATCH_GET_ROUNDS) throw new Error(`Reading ${keys.length} task records from ${this.tableName} was left unprocessed ${BATCH_GET_ROUNDS} times (throttled)`);
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
        const response: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of response.Responses?.[this.tableName] ?? []) {
          const task = this.fromItem(item);
          found.set(task.taskId, task);
        }
        keys = response.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return ids.flatMap((id) => {
      const task = found.get(id);
      return task && matches(task) ? [task] : [];
    });
  }

  private partitionFor(query: ListQuery): { index: string; attribute: string; value: string } | undefined {
    const { byPipeline, byPipelineState, byState } = TASK_TABLE.indexes;
    if (query.pipeline && query.state) return { index: byPipelineState.name, attribute: byPipelineState.partitionKey, value: pipelineStateKey(query.pipeline, query.state) };
    if (query.pipeline) return { index: byPipeline.name, attribute: byPipeline.partitionKey, value: query.pipeline };
    if (query.state) return { index: byState.name, attribute: byState.partitionKey, value: query.state };
    return undefined;
  }

  /** Moves a task to a terminal state from one of `from`, with extra fields; the record it left, or undefined. */
  private async settle(task: TaskRecord, state: TaskState, from: readonly TaskState[], extra: Record<string, unknown>): Promise<TaskRecord | undefined> {
    const e = new Expression();
    const now = this.now();
    const fields = { ...extra, state, pipelineState: pipelineStateKey(task.pipeline, state), updatedAt: now, finishedAt: now, expiresAt: this.expiresAt(now) };
    const settled = await this.conditionalUpdate(task.taskId, e, e.oneOf(e.path('state'), from), `SET ${e.assignments(fields).join(', ')}`, 'ALL_NEW');
    return settled && this.fromPlain(settled);
  }

  /** The fields a task's first write sets, whichever write comes first. */
  private identityAssignments(e: Expression, task: TaskIdentity): string[] {
    const once = { pipeline: task.pipeline, origin: task.origin, input: task.input, inputRef: inputRef(task.input.bucket, task.input.key), createdAt: task.createdAt, gbSeconds: 0, costUsd: 0 };
    return Object.entries(once).map(([name, value]) => `${e.path(name)} = if_not_exists(${e.path(name)}, ${e.value(value)})`);
  }

  /** An UpdateItem that answers undefined when its condition fails (and the new attributes when asked). */
  private async conditionalUpdate(
    taskId: string,
    e: Expression,
    condition: string,
    update: string,
    returnValues?: 'UPDATED_NEW' | 'ALL_NEW',
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const response = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ taskId }),
          ConditionExpression: condition,
          UpdateExpression: update,
          ...e.attributes(),
          ...(returnValues ? { ReturnValues: returnValues } : {}),
        }),
      );
      return response.Attributes ? unmarshall(response.Attributes) : {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private indexKeys(record: TaskRecord): Record<string, string> {
    return { pipelineState: pipelineStateKey(record.pipeline, record.state), inputRef: inputRef(record.input.bucket, record.input.key) };
  }

  private fromItem(item: Record<string, AttributeValue>): TaskRecord {
    return this.fromPlain(unmarshall(item));
  }

  private fromPlain(plain: Record<string, unknown>): TaskRecord {
    const { pipelineState: _ps, inputRef: _ir, ...record } = plain as unknown as TaskRecord & { pipelineState?: string; inputRef?: string };
    return { ...record, attempts: (record.attempts ?? []).map((attempt, i): TaskAttempt => ({ ...attempt, attempt: i + 1 })) };
  }
}

function encodeToken(key: Record<string, AttributeValue>): string {
  return Buffer.from(JSON.stringify(unmarshall(key))).toString('base64url');
}

function decodeToken(token: string): Record<string, AttributeValue> {
  try {
    return marshall(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>);
  } catch {
    throw new RangeError('The `next` token is not one this API returned');
  }
}
