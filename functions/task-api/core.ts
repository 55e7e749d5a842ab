import { createHash } from 'node:crypto';
import type { IdempotencyOutcome, ListQuery, RetryOutcome, StopOutcome, TaskIdentity, TaskPage } from '../shared/tasks/task-ledger.ts';
import type { TaskRecord } from '../shared/tasks/task-record.ts';
import { submittedInputKey, TASK_ID_PATTERN } from '../shared/tasks/task-id.ts';
import { firstIssue, listQuerySchema, MAX_BODY_BYTES, parseSubmitTask, redriveQuerySchema, type SubmitTask } from './requests.ts';

/** What the API knows of a pipeline: its contract's routing fields and where its inputs go. */
export interface ApiPipeline {
  readonly id: string;
  readonly ingestBucket: string;
  readonly ingestPrefix: string;
  readonly acceptsJsonTasks: boolean;
}

/** The task table, as the API uses it (the TaskLedger). */
export interface TaskStore {
  createQueued(task: TaskIdentity): Promise<TaskRecord>;
  get(taskId: string): Promise<TaskRecord | undefined>;
  list(query: ListQuery): Promise<TaskPage>;
  requestStop(taskId: string): Promise<StopOutcome>;
  requestRetry(taskId: string): Promise<RetryOutcome>;
  claimIdempotencyKey(key: string, bodyHash: string, taskId: string): Promise<IdempotencyOutcome>;
}

export interface PresignedUpload {
  readonly url: string;
  readonly method: 'PUT';
  /** Headers the upload must send: they are part of the signature. */
  readonly headers: Record<string, string>;
  readonly expiresAt: string;
}

export interface TaskApiDeps {
  readonly store: TaskStore;
  readonly pipelines: ReadonlyMap<string, ApiPipeline>;
  /** Stores a JSON task's input under its pipeline's ingest prefix: its event then travels as an upload's. */
  putJsonInput(pipeline: ApiPipeline, key: string, body: string): Promise<void>;
  presignUpload(pipeline: ApiPipeline, key: string, contentType: string): Promise<PresignedUpload>;
  /** Sends a reopened task's message to its pipeline's work queue again. */
  resend(task: TaskRecord): Promise<void>;
  newTaskId(): string;
  now(): number;
}

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

/** Stable codes of the API's error answers. */
export const ApiErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  NOT_RETRYABLE: 'NOT_RETRYABLE',
} as const;

const REDRIVE_BATCH = 1000;

function error(statusCode: number, code: string, message: string, field?: string): ApiResponse {
  return { statusCode, body: { error: { code, message, ...(field ? { field } : {}) } } };
}

/** A task as the API shows it: the record without what only the kit needs to retry it. */
export function publicTask(task: TaskRecord): Omit<TaskRecord, 'retryMessage'> {
  const { retryMessage: _kept, ...rest } = task;
  return rest;
}

function bodyHash(submit: SubmitTask): string {
  return createHash('sha256').update(canonicalJson(submit)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

type Route = { readonly pattern: RegExp; readonly methods: Readonly<Record<string, (match: RegExpMatchArray, request: ApiRequest) => Promise<ApiResponse>>> };

/** The task API (DESIGN.md, "Tasks"), independent of how requests arrive. */
export function createTaskApi(deps: TaskApiDeps): (request: ApiRequest) => Promise<ApiResponse> {
  const routes: Route[] = [
    { pattern: /^\/tasks$/, methods: { POST: (_m, r) => submit(r), GET: (_m, r) => list(r) } },
    { pattern: /^\/tasks\/([^/]+)$/, methods: { GET: (m) => show(m[1]!) } },
    { pattern: /^\/tasks\/([^/]+)\/retry$/, methods: { POST: (m) => retry(m[1]!) } },
    { pattern: /^\/tasks\/([^/]+)\/stop$/, methods: { POST: (m) => stop(m[1]!) } },
    { pattern: /^\/pipelines\/([^/]+)\/redrive$/, methods: { POST: (m, r) => redrive(m[1]!, r) } },
  ];

  async function submit(request: ApiRequest): Promise<ApiResponse> {
    let raw: unknown;
    try {
      raw = JSON.parse(request.body ?? '');
    } catch {
      return error(400, ApiErrorCode.BAD_REQUEST, 'The body is not JSON', '(body)');
    }
    const parsed = parseSubmitTask(raw);
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      return error(400, ApiErrorCode.BAD_REQUEST, issue.message, issue.field);
    }
    const submission = parsed.data;
    const pipeline = deps.pipelines.get(submission.pipeline);
    if (!pipeline) {
      return error(400, ApiErrorCode.BAD_REQUEST, `Unknown pipeline '${submission.pipeline}' (this stack has: ${[...deps.pipelines.keys()].join(', ')})`, 'pipeline');
    }
    if ('input' in submission && !pipeline.acceptsJsonTasks) {
      return error(400, ApiErrorCode.BAD_REQUEST, `The ${pipeline.id} pipeline takes files, not JSON input: send {pipeline, upload: {name, contentType}}`, 'input');
    }

    let taskId = deps.newTaskId();
    const idempotencyKey = request.headers['idempotency-key'];
    if (idempotencyKey !== undefined) {
      if (!/^[\x21-\x7e]{1,128}$/.test(idempotencyKey)) return error(400, ApiErrorCode.BAD_REQUEST, 'Idempotency-Key must be 1-128 printable characters', 'Idempotency-Key');
      const claim = await deps.store.claimIdempotencyKey(idempotencyKey, bodyHash(submission), taskId);
      if (claim.kind === 'conflict') {
        return error(409, ApiErrorCode.IDEMPOTENCY_CONFLICT, `Idempotency-Key '${idempotencyKey}' was used for task ${claim.taskId} with a different body`);
      }
      if (claim.kind === 'replay') {
        const existing = await deps.store.get(claim.taskId);
        // The first request may still be storing its task: the key is claimed, the task not yet written.
        if (!existing) return error(409, ApiErrorCode.IDEMPOTENCY_CONFLICT, `Task ${claim.taskId} of Idempotency-Key '${idempotencyKey}' is still being created; try again`);
        return { statusCode: 200, body: await answer(pipeline, existing, submission) };
      }
      taskId = claim.taskId;
    }

    const key = submittedInputKey(pipeline.ingestPrefix, taskId, 'input' in submission ? undefined : submission.upload.name);
    const task = await deps.store.createQueued({
      taskId,
      pipeline: pipeline.id,
      origin: 'api',
      input: { bucket: pipeline.ingestBucket, key },
      createdAt: deps.now(),
    });
    if ('input' in submission) await deps.putJsonInput(pipeline, key, JSON.stringify(submission.input));
    return { statusCode: 'input' in submission ? 202 : 201, body: await answer(pipeline, task, submission) };
  }

  async function answer(pipeline: ApiPipeline, task: TaskRecord, submission: SubmitTask): Promise<unknown> {
    if (!('upload' in submission)) return { task: publicTask(task) };
    return { task: publicTask(task), upload: await deps.presignUpload(pipeline, task.input.key, submission.upload.contentType) };
  }

  async function list(request: ApiRequest): Promise<ApiResponse> {
    const parsed = listQuerySchema.safeParse(Object.fromEntries(Object.entries(request.query).filter(([, v]) => v !== undefined)));
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      return error(400, ApiErrorCode.BAD_REQUEST, issue.message, issue.field);
    }
    try {
      const page = await deps.store.list(parsed.data);
      return { statusCode: 200, body: { tasks: page.tasks.map(publicTask), ...(page.next ? { next: page.next } : {}) } };
    } catch (e) {
      if (e instanceof RangeError) return error(400, ApiErrorCode.BAD_REQUEST, e.message, 'next');
      throw e;
    }
  }

  async function show(taskId: string): Promise<ApiResponse> {
    const task = TASK_ID_PATTERN.test(taskId) ? await deps.store.get(taskId) : undefined;
    return task ? { statusCode: 200, body: { task: publicTask(task) } } : error(404, ApiErrorCode.NOT_FOUND, `No task ${taskId}`);
  }

  async function retry(taskId: string): Promise<ApiResponse> {
    if (!TASK_ID_PATTERN.test(taskId)) return error(404, ApiErrorCode.NOT_FOUND, `No task ${taskId}`);
    const outcome = await deps.store.requestRetry(taskId);
    if (!outcome.retried) {
      if (outcome.state === undefined) return error(404, ApiErrorCode.NOT_FOUND, `No task ${taskId}`);
      return error(409, ApiErrorCode.NOT_RETRYABLE, `Task ${taskId} is ${outcome.state}; only failed, dead-lettered or stopped tasks can be retried`);
    }
    await deps.resend(outcome.task);
    return { statusCode: 202, body: { task: publicTask(outcome.task) } };
  }

  async function stop(taskId: string): Promise<ApiResponse> {
    if (!TASK_ID_PATTERN.test(taskId)) return error(404, ApiErrorCode.NOT_FOUND, `No task ${taskId}`);
    const outcome = await deps.store.requestStop(taskId);
    if (!outcome.stopped && outcome.state === undefined) return error(404, ApiErrorCode.NOT_FOUND, `No task ${taskId}`);
    const running = !outcome.stopped && outcome.state === 'running';
    return {
      statusCode: 200,
      body: {
        stopped: outcome.stopped,
        ...(outcome.stopped ? { state: 'stopped' } : { state: outcome.state }),
        ...(running ? { message: 'The task is running: this attempt finishes, and it will not be retried' } : {}),
      },
    };
  }

  async function redrive(pipelineId: string, request: ApiRequest): Promise<ApiResponse> {
    if (!deps.pipelines.has(pipelineId)) return error(404, ApiErrorCode.NOT_FOUND, `No pipeline ${pipelineId}`);
    const parsed = redriveQuerySchema.safeParse(Object.fromEntries(Object.entries(request.query).filter(([, v]) => v !== undefined)));
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      return error(400, ApiErrorCode.BAD_REQUEST, issue.message, issue.field);
    }
    const dead: TaskRecord[] = [];
    let next: string | undefined;
    do {
      const page = await deps.store.list({ pipeline: pipelineId, state: 'dead-lettered', limit: 200, ...(next ? { next } : {}) });
      dead.push(...page.tasks);
      next = page.next;
    } while (next && dead.length < REDRIVE_BATCH);
    const batch = dead.slice(0, REDRIVE_BATCH);
    const more = dead.length > REDRIVE_BATCH || next !== undefined;
    if (parsed.data.dryRun) return { statusCode: 200, body: { pipeline: pipelineId, dryRun: true, messages: batch.length, more } };
    let moved = 0;
    for (const task of batch) {
      const outcome = await deps.store.requestRetry(task.taskId);
      if (!outcome.retried) continue;
      await deps.resend(outcome.task);
      moved += 1;
    }
    return { statusCode: 200, body: { pipeline: pipelineId, dryRun: false, messages: batch.length, moved, more } };
  }

  return async (request) => {
    if (request.body !== undefined && Buffer.byteLength(request.body) > MAX_BODY_BYTES) {
      return error(413, ApiErrorCode.PAYLOAD_TOO_LARGE, `The body is over ${MAX_BODY_BYTES} bytes; upload files with {pipeline, upload} instead`);
    }
    for (const route of routes) {
      const match = request.path.match(route.pattern);
      if (!match) continue;
      const handler = route.methods[request.method.toUpperCase()];
      if (!handler) return error(405, ApiErrorCode.METHOD_NOT_ALLOWED, `${request.method} is not allowed on ${request.path} (allowed: ${Object.keys(route.methods).join(', ')})`);
      return handler(match, request);
    }
    return error(404, ApiErrorCode.NOT_FOUND, `No route ${request.method} ${request.path}`);
  };
}
