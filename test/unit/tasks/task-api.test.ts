import { beforeEach, describe, expect, it } from 'vitest';
import { createTaskApi, type ApiPipeline, type ApiRequest, type TaskApiDeps } from '../../../functions/task-api/core.ts';
import { generatedTaskId, submittedTaskIdOf, uploadTaskId } from '../../../functions/shared/tasks/task-id.ts';
import { TaskLedger } from '../../../functions/shared/tasks/task-ledger.ts';
import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import { useTaskTables } from './task-table-fixture.ts';

let ledger: TaskLedger;
const tables = useTaskTables('api-tasks');
let clock = 1_750_000_000_000;
let puts: Array<{ key: string; body: string }>;
let resent: TaskRecord[];
let api: ReturnType<typeof createTaskApi>;

const pipelines = new Map<string, ApiPipeline>([
  ['settlement', { id: 'settlement', ingestBucket: 'ingest', ingestPrefix: 'battles/', acceptsJsonTasks: true }],
  ['image', { id: 'image', ingestBucket: 'ingest', ingestPrefix: 'uploads/', acceptsJsonTasks: false }],
]);

function request(method: string, path: string, extra: Partial<ApiRequest> = {}): ApiRequest {
  return { method, path, query: {}, headers: {}, ...extra };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  api(request('POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers }));

beforeEach(async () => {
  ledger = new TaskLedger(tables.client(), await tables.newTable(), { now: () => clock });
  puts = [];
  resent = [];
  const deps: TaskApiDeps = {
    store: ledger,
    pipelines,
    putJsonInput: async (_p, key, body) => {
      puts.push({ key, body });
    },
    presignUpload: async (_p, key, contentType) => ({ url: `http://127.0.0.1:1/ingest/${key}?X-Amz-Signature=x`, method: 'PUT', headers: { 'content-type': contentType }, expiresAt: new Date(clock + 900_000).toISOString() }),
    resend: async (task) => {
      resent.push(task);
    },
    newTaskId: () => generatedTaskId((clock += 1)),
    now: () => clock,
  };
  api = createTaskApi(deps);
});

describe('task API', () => {
  it('queues a JSON task under its pipeline ingest prefix', async () => {
    const response = await post('/tasks', { pipeline: 'settlement', input: { battleId: 'b-1' } });
    expect(response.statusCode).toBe(202);
    const { task } = response.body as { task: TaskRecord };
    expect(task).toMatchObject({ pipeline: 'settlement', state: 'queued', origin: 'api', input: { bucket: 'ingest', key: `battles/${task.taskId}.json` } });
    expect(puts).toEqual([{ key: `battles/${task.taskId}.json`, body: '{"battleId":"b-1"}' }]);
    expect(submittedTaskIdOf('battles/', task.input.key)).toBe(task.taskId);
    const shown = await api(request('GET', `/tasks/${task.taskId}`));
    expect(shown).toMatchObject({ statusCode: 200, body: { task: { taskId: task.taskId, state: 'queued' } } });
  });

  it('answers a file submission with a presigned upload', async () => {
    const response = await post('/tasks', { pipeline: 'image', upload: { name: 'cat photo.jpg', contentType: 'image/jpeg' } });
    expect(response.statusCode).toBe(201);
    const body = response.body as { task: TaskRecord; upload: { url: string; method: string; headers: Record<string, string> } };
    expect(body.task.input.key).toBe(`uploads/${body.task.taskId}/cat photo.jpg`);
    expect(body.upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/jpeg' } });
    expect(submittedTaskIdOf('uploads/', body.task.input.key)).toBe(body.task.taskId);
    expect(submittedTaskIdOf('uploads/', 'uploads/cat.jpg')).toBeUndefined();
  });

  it('Idempotency-Key: the same key and body give the same task (200), another body 409', async () => {
    const first = await post('/tasks', { pipeline: 'settlement', input: { battleId: 'b-2', seed: 1 } }, { 'idempotency-key': 'battle-b-2' });
    expect(first.statusCode).toBe(202);
    // Same body with its keys in another order is the same request.
    const again = await post('/tasks', '{"input":{"seed":1,"battleId":"b-2"},"pipeline":"settlement"}', { 'idempotency-key': 'battle-b-2' });
    expect(again.statusCode).toBe(200);
    expect((again.body as { task: TaskRecord }).task.taskId).toBe((first.body as { task: TaskRecord }).task.taskId);
    expect(puts).toHaveLength(1);
    const other = await post('/tasks', { pipeline: 'settlement', input: { battleId: 'b-3' } }, { 'idempotency-key': 'battle-b-2' });
    expect(other).toMatchObject({ statusCode: 409, body: { error: { code: 'IDEMPOTENCY_CONFLICT' } } });
  });

  it('400 names the field; 404 for unknown ids and routes; 405; 413', async () => {
    expect(await post('/tasks', '{nope')).toMatchObject({ statusCode: 400, body: { error: { field: '(body)' } } });
    expect(await post('/tasks', { pipeline: 'nope', input: {} })).toMatchObject({ statusCode: 400, body: { error: { field: 'pipeline' } } });
    expect(await post('/tasks', { pipeline: 'image', input: {} })).toMatchObject({ statusCode: 400, body: { error: { field: 'input' } } });
    expect(await post('/tasks', { pipeline: 'image', upload: { name: '../x', contentType: 'image/jpeg' } })).toMatchObject({ statusCode: 400, body: { error: { field: 'upload.name' } } });
    expect(await post('/tasks', { pipeline: 'image', upload: { name: 'x.jpg', contentType: 'jpeg' } })).toMatchObject({ statusCode: 400, body: { error: { field: 'upload.contentType' } } });
    expect(await post('/tasks', { pipeline: 'settlement', input: {}, extra: 1 })).toMatchObject({ statusCode: 400, body: { error: { code: 'BAD_REQUEST' } } });
    expect(await api(request('GET', '/tasks', { query: { state: 'sleeping' } }))).toMatchObject({ statusCode: 400, body: { error: { field: 'state' } } });
    expect(await api(request('GET', '/tasks', { query: { limit: '0' } }))).toMatchObject({ statusCode: 400, body: { error: { field: 'limit' } } });
    expect(await api(request('GET', '/tasks', { query: { next: '%%%' } }))).toMatchObject({ statusCode: 400, body: { error: { field: 'next' } } });
    expect(await api(request('GET', `/tasks/${generatedTaskId(clock)}`))).toMatchObject({ statusCode: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await api(request('GET', '/tasks/../../etc'))).toMatchObject({ statusCode: 404 });
    expect(await api(request('DELETE', '/tasks'))).toMatchObject({ statusCode: 405, body: { error: { code: 'METHOD_NOT_ALLOWED' } } });
    expect(await post('/tasks', { pipeline: 'settlement', input: { blob: 'x'.repeat(300 * 1024) } })).toMatchObject({ statusCode: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(await post('/pipelines/nope/redrive', '')).toMatchObject({ statusCode: 404 });
  });

  it('lists with filters and since', async () => {
    const a = await post('/tasks', { pipeline: 'settlement', input: { n: 1 } });
    const b = await post('/tasks', { pipeline: 'settlement', input: { n: 2 } });
    const ids = [a, b].map((r) => (r.body as { task: TaskRecord }).task.taskId);
    const listed = await api(request('GET', '/tasks', { query: { pipeline: 'settlement', state: 'queued' } }));
    expect((listed.body as { tasks: TaskRecord[] }).tasks.map((t) => t.taskId)).toEqual([ids[1], ids[0]]);
    const since = await api(request('GET', '/tasks', { query: { since: new Date(clock).toISOString() } }));
    expect((since.body as { tasks: TaskRecord[] }).tasks.map((t) => t.taskId)).toEqual([ids[1]]);
  });

  it('retries a failed task, refuses a running one, and stops a queued one', async () => {
    const input = { bucket: 'ingest', key: 'uploads/x.jpg', sequencer: '01' };
    const task = { taskId: uploadTaskId({ ...input, eventTimeMs: clock }), pipeline: 'image', origin: 'upload' as const, input, createdAt: clock };
    await ledger.startAttempt(task, { requestId: 'r1', startedAt: clock, memoryMb: 1024 });
    expect(await post(`/tasks/${task.taskId}/retry`, '')).toMatchObject({ statusCode: 409, body: { error: { code: 'NOT_RETRYABLE' } } });
    expect(await post(`/tasks/${task.taskId}/stop`, '')).toMatchObject({ statusCode: 200, body: { stopped: false, state: 'running', message: expect.stringMatching(/will not be retried/) } });
    await ledger.finishAttempt(task.taskId, 'image', 1, { state: 'failed', endedAt: clock + 5, billedDurationMs: 5, gbSeconds: 0, costUsd: 0 });
    const retried = await post(`/tasks/${task.taskId}/retry`, '');
    expect(retried).toMatchObject({ statusCode: 202, body: { task: { state: 'queued', retries: 1 } } });
    expect(resent.map((t) => t.taskId)).toEqual([task.taskId]);

    const queued = await post('/tasks', { pipeline: 'settlement', input: { n: 3 } });
    const queuedId = (queued.body as { task: TaskRecord }).task.taskId;
    expect(await post(`/tasks/${queuedId}/stop`, '')).toMatchObject({ statusCode: 200, body: { stopped: true, state: 'stopped' } });
    expect(await post(`/tasks/${generatedTaskId(1)}/stop`, '')).toMatchObject({ statusCode: 404 });
  });

  it('redrives dead-lettered tasks: counts first, then moves them', async () => {
    for (const n of [1, 2, 3]) {
      const input = { bucket: 'ingest', key: `uploads/d${n}.jpg`, sequencer: '01' };
      await ledger.markDeadLettered(
        { taskId: uploadTaskId({ ...input, eventTimeMs: clock + n }), pipeline: 'image', origin: 'upload', input, createdAt: clock + n },
        { error: { code: 'DEAD_LETTERED', message: 'timeout' }, retryMessage: '{}' },
      );
    }
    const dry = await api(request('POST', '/pipelines/image/redrive', { query: { dryRun: 'true' } }));
    expect(dry).toMatchObject({ statusCode: 200, body: { dryRun: true, messages: 3, more: false } });
    expect(resent).toHaveLength(0);
    const real = await api(request('POST', '/pipelines/image/redrive', { query: {} }));
    expect(real).toMatchObject({ statusCode: 200, body: { dryRun: false, messages: 3, moved: 3 } });
    expect(resent).toHaveLength(3);
    expect(await api(request('POST', '/pipelines/image/redrive', { query: { dryRun: 'yes' } }))).toMatchObject({ statusCode: 400, body: { error: { field: 'dryRun' } } });
  });
});
