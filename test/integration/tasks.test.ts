import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../functions/shared/tasks/task-record.ts';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { localCredentials } from '../../lib/local/emulators/loopback.ts';
import { TaskApiClient } from '../../lib/local/cli/task-api-client.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { LocalTaskTable, TASK_API_URL_OUTPUT, TASK_TABLE_OUTPUT } from '../../lib/local/tasks/task-table-reader.ts';
import { photoJpeg, truncatedJpeg } from '../fixtures/images.ts';
import { PROJECT_ROOT, presetAssembly } from './helpers/assemblies.ts';

/** The task model end to end: the shared worker's records, the task API with IAM auth, the recorder. */
describe('tasks through the local runtime', () => {
  let runtime: LocalRuntime;
  let api: TaskApiClient;
  let table: LocalTaskTable;

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ assemblyDirectory: await presetAssembly('all'), timeScale: 60 });
    api = new TaskApiClient({ url: runtime.stackOutput(TASK_API_URL_OUTPUT)!, region: runtime.region, credentials: localCredentials() });
    table = new LocalTaskTable(runtime.dynamoDbEndpoint!, runtime.region, runtime.stackOutput(TASK_TABLE_OUTPUT)!);
  }, 240_000);
  afterAll(async () => {
    table?.destroy();
    await runtime?.stop();
  });

  const image = () => runtime.pipeline('image')!;
  async function settledTask(key: string, since: number): Promise<TaskRecord> {
    const task = await table.settled(image().ingestBucket, key, since, Date.now() + 60_000);
    if (!task) throw new Error(`No task for ${key}`);
    return task;
  }

  it('records each upload as a task: succeeded with its result and cost, failed with its failure record', async () => {
    const since = Date.now();
    const [good, bad] = await Promise.all([runtime.upload(image(), 'task-good.jpg', await photoJpeg(640, 480)), runtime.upload(image(), 'task-bad.jpg', await truncatedJpeg())]);
    await Promise.all([good.done, bad.done]);
    const ok = await settledTask(good.key, since);
    expect(ok).toMatchObject({ state: 'succeeded', pipeline: 'image', origin: 'upload', attemptCount: 1, resultKey: good.resultKey, architecture: 'x86_64' });
    expect(ok.attempts[0]).toMatchObject({ attempt: 1, outcome: 'succeeded', memoryMb: 2048 });
    expect(ok.attempts[0]!.billedDurationMs).toBeGreaterThan(0);
    expect(ok.gbSeconds).toBeGreaterThan(0);
    expect(ok.costUsd).toBeGreaterThan(0);
    const failed = await settledTask(bad.key, since);
    expect(failed).toMatchObject({ state: 'failed', failure: { code: 'IMAGE_CORRUPT', recordKey: bad.failureKey } });

    const shown = await api.expectOk<{ task: TaskRecord }>('GET', `/tasks/${ok.taskId}`);
    expect(shown.task.taskId).toBe(ok.taskId);
    const list = await api.listAll({ pipeline: 'image', state: 'failed' });
    expect(list.map((t) => t.taskId)).toContain(failed.taskId);
  });

  it('refuses an unsigned request and one signed with other credentials', async () => {
    const url = runtime.stackOutput(TASK_API_URL_OUTPUT)!;
    expect((await fetch(new URL('/tasks', url))).status).toBe(403);
    const stranger = new TaskApiClient({ url, region: runtime.region, credentials: { accessKeyId: 'someone', secretAccessKey: 'else' } });
    expect((await stranger.request('GET', '/tasks')).status).toBe(403);
  });

  it('retries a failed task as a second attempt of the same task', async () => {
    const since = Date.now();
    const upload = await runtime.upload(image(), 'task-retry.jpg', await truncatedJpeg());
    await upload.done;
    const failed = await settledTask(upload.key, since);
    const retried = await api.expectOk<{ task: TaskRecord }>('POST', `/tasks/${failed.taskId}/retry`);
    expect(retried.task).toMatchObject({ taskId: failed.taskId, state: 'queued', retries: 1 });
    let again: TaskRecord | undefined;
    for (let i = 0; i < 300 && !(again?.attemptCount === 2 && again.state !== 'running' && again.state !== 'queued'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = (await api.expectOk<{ task: TaskRecord }>('GET', `/tasks/${failed.taskId}`)).task;
    }
    expect(again).toMatchObject({ state: 'failed', attemptCount: 2, retries: 1 });
    expect(again!.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed']);
  });

  it('takes a file through a presigned upload to succeeded, and answers an Idempotency-Key replay with the same task', async () => {
    const body = { pipeline: 'image', upload: { name: 'presigned.jpg', contentType: 'image/jpeg' } };
    const first = await api.request<{ task: TaskRecord; upload: { url: string; headers: Record<string, string> } }>('POST', '/tasks', { body, headers: { 'idempotency-key': 'presigned-1' } });
    expect(first.status).toBe(201);
    const created = first.body as { task: TaskRecord; upload: { url: string; headers: Record<string, string> } };
    const replay = await api.request<{ task: TaskRecord }>('POST', '/tasks', { body, headers: { 'idempotency-key': 'presigned-1' } });
    expect(replay.status).toBe(200);
    expect((replay.body as { task: TaskRecord }).task.taskId).toBe(created.task.taskId);
    const conflict = await api.request('POST', '/tasks', { body: { ...body, upload: { ...body.upload, name: 'other.jpg' } }, headers: { 'idempotency-key': 'presigned-1' } });
    expect(conflict.status).toBe(409);

    const put = await fetch(created.upload.url, { method: 'PUT', headers: created.upload.headers, body: new Uint8Array(await photoJpeg(320, 240)) });
    expect(put.status).toBe(200);
    let task: TaskRecord | undefined;
    for (let i = 0; i < 300 && task?.state !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      task = (await api.expectOk<{ task: TaskRecord }>('GET', `/tasks/${created.task.taskId}`)).task;
    }
    expect(task).toMatchObject({ state: 'succeeded', origin: 'api', attemptCount: 1 });
  });

  it('runs an inference job submitted with POST /tasks to succeeded, its result read with GET /tasks/{id}', async () => {
    const created = await api.expectOk<{ task: TaskRecord; upload: { url: string; headers: Record<string, string> } }>('POST', '/tasks', {
      body: { pipeline: 'inference', upload: { name: 'ad.jpg', contentType: 'image/jpeg' } },
    });
    expect(created.task).toMatchObject({ pipeline: 'inference', state: 'queued' });
    const put = await fetch(created.upload.url, { method: 'PUT', headers: created.upload.headers, body: new Uint8Array(await photoJpeg(320, 240)) });
    expect(put.status).toBe(200);
    let task: TaskRecord | undefined;
    for (let i = 0; i < 600 && !(task && ['succeeded', 'failed', 'dead-lettered'].includes(task.state)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      task = (await api.expectOk<{ task: TaskRecord }>('GET', `/tasks/${created.task.taskId}`)).task;
    }
    expect(task).toMatchObject({ state: 'succeeded', origin: 'api', resultKey: expect.stringMatching(/result\.json$/) });
  });

  it('stops a queued task so its upload is never processed', async () => {
    const created = await api.expectOk<{ task: TaskRecord; upload: { url: string; headers: Record<string, string> } }>('POST', '/tasks', {
      body: { pipeline: 'image', upload: { name: 'stopped.jpg', contentType: 'image/jpeg' } },
    });
    expect(await api.expectOk('POST', `/tasks/${created.task.taskId}/stop`)).toMatchObject({ stopped: true, state: 'stopped' });
    await fetch(created.upload.url, { method: 'PUT', headers: created.upload.headers, body: new Uint8Array(await photoJpeg(320, 240)) });
    await new Promise((r) => setTimeout(r, 1500));
    const task = (await api.expectOk<{ task: TaskRecord }>('GET', `/tasks/${created.task.taskId}`)).task;
    expect(task).toMatchObject({ state: 'stopped', attemptCount: 0 });
  });
});

/** A task whose environment dies on its last attempt still ends dead-lettered, recorded by the DLQ recorder. */
describe('a crash on the last attempt', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tasks-crash-'));
    const config = join(dir, 'crash.json');
    // 128 MB cannot hold a 48 MP PNG decode (no shrink-on-load for PNG): the environment is killed out of memory, as on Lambda.
    writeFileSync(config, JSON.stringify({ pipelines: { image: { memorySize: 128, maxReceiveCount: 1, batchSize: 1 } } }));
    const { directory } = await ensureAssembly({ projectRoot: PROJECT_ROOT, preset: 'all', context: { config } });
    runtime = await LocalRuntime.start({ assemblyDirectory: directory, timeScale: 60 });
  }, 240_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  it('ends dead-lettered with the message kept, and a redrive counts it then runs it again', async () => {
    const image = runtime.pipeline('image')!;
    const since = Date.now();
    const huge = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#808080' } }).png().toBuffer();
    const upload = await runtime.upload(image, 'huge.png', huge);
    const table = new LocalTaskTable(runtime.dynamoDbEndpoint!, runtime.region, runtime.stackOutput(TASK_TABLE_OUTPUT)!);
    try {
      let task: TaskRecord | undefined;
      for (let i = 0; i < 600 && task?.state !== 'dead-lettered'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        task = (await table.ledger.forInput(image.ingestBucket, upload.key)).find((t) => t.createdAt >= since - 1000);
      }
      expect(task).toMatchObject({ state: 'dead-lettered', failure: { code: 'DEAD_LETTERED' } });
      expect(task!.retryMessage).toContain('huge.png');
      const api = new TaskApiClient({ url: runtime.stackOutput(TASK_API_URL_OUTPUT)!, region: runtime.region, credentials: localCredentials() });
      expect(await api.expectOk('POST', '/pipelines/image/redrive', { query: { dryRun: 'true' } })).toMatchObject({ dryRun: true, messages: 1 });
      expect(await api.expectOk('POST', '/pipelines/image/redrive')).toMatchObject({ dryRun: false, moved: 1 });
      const reopened = (await api.expectOk<{ task: TaskRecord }>('GET', `/tasks/${task!.taskId}`)).task;
      expect(['queued', 'running', 'dead-lettered']).toContain(reopened.state);
      expect(reopened.retries).toBe(1);
    } finally {
      table.destroy();
    }
  });
});
