import { useTaskTables } from './task-table-fixture.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { TaskLedger, type TaskIdentity } from '../../../functions/shared/tasks/task-ledger.ts';
import { uploadTaskId } from '../../../functions/shared/tasks/task-id.ts';

const tables = useTaskTables('tasks');
let ledger: TaskLedger;
let clock = 1_700_000_000_000;

function upload(key: string, sequencer = '0001', eventTimeMs = clock): TaskIdentity {
  const input = { bucket: 'ingest', key, sequencer, eTag: 'e1', size: 10 };
  return { taskId: uploadTaskId({ ...input, eventTimeMs }), pipeline: 'image', origin: 'upload', input, createdAt: eventTimeMs, architecture: 'x86_64' };
}

const attemptStart = (requestId: string) => ({ requestId, startedAt: clock, memoryMb: 1024, receiveCount: 1 });
const end = (state: 'succeeded' | 'failed' | 'retrying' | 'superseded', extra = {}) => ({
  state,
  endedAt: clock + 100,
  billedDurationMs: 100,
  gbSeconds: 0.1,
  costUsd: 0.000002,
  ...extra,
});

beforeEach(async () => {
  clock += 1000;
  ledger = new TaskLedger(tables.client(), await tables.newTable(), { ttlDays: 30, now: () => clock });
});

describe('task ledger', () => {
  it('records an upload from its first delivery to success, with cost and a TTL', async () => {
    const task = upload('uploads/a.jpg');
    expect(await ledger.startAttempt(task, attemptStart('r1'))).toEqual({ start: true, attempt: 1 });
    expect((await ledger.get(task.taskId))?.state).toBe('running');
    const ended = await ledger.finishAttempt(task.taskId, 'image', 1, end('succeeded', { resultKey: 'image/a.jpg/manifest.json', memoryUsedMb: 200 }));
    const record = (await ledger.get(task.taskId))!;
    // The end write answers the record it left, exactly as a read afterwards finds it.
    expect(ended).toEqual(record);
    expect(record).toMatchObject({ state: 'succeeded', attemptCount: 1, resultKey: 'image/a.jpg/manifest.json', gbSeconds: 0.1, costUsd: 0.000002, origin: 'upload' });
    expect(record.attempts[0]).toMatchObject({ attempt: 1, requestId: 'r1', durationMs: 100, billedDurationMs: 100, outcome: 'succeeded', memoryUsedMb: 200, memoryMb: 1024 });
    expect(record.expiresAt).toBe(Math.floor((clock + 100) / 1000) + 30 * 86_400);
  });

  it('never moves a finished task backwards: a late or duplicate delivery is refused', async () => {
    const task = upload('uploads/b.jpg');
    await ledger.startAttempt(task, attemptStart('r1'));
    await ledger.finishAttempt(task.taskId, 'image', 1, end('succeeded'));
    expect(await ledger.startAttempt(task, attemptStart('r2'))).toEqual({ start: false, state: 'succeeded' });
    expect(await ledger.finishAttempt(task.taskId, 'image', 1, end('failed'))).toBeUndefined();
    expect(await ledger.finishAttempt(task.taskId, 'image', 1, end('retrying'))).toBeUndefined();
    const record = (await ledger.get(task.taskId))!;
    expect(record.state).toBe('succeeded');
    expect(record.attemptCount).toBe(1);
  });

  it('counts retries as attempts and lets only the current attempt put the task back to retrying', async () => {
    const task = upload('uploads/c.jpg');
    await ledger.startAttempt(task, attemptStart('r1'));
    expect(await ledger.finishAttempt(task.taskId, 'image', 1, end('retrying', { error: { code: 'Error', message: 'throttled' } }))).toMatchObject({ state: 'retrying', attemptCount: 1 });
    expect((await ledger.get(task.taskId))?.state).toBe('retrying');
    expect(await ledger.startAttempt(task, attemptStart('r2'))).toEqual({ start: true, attempt: 2 });
    // Attempt 1's duplicate ends late: it may not reopen the task attempt 2 is running.
    expect(await ledger.finishAttempt(task.taskId, 'image', 1, end('retrying'))).toBeUndefined();
    await ledger.finishAttempt(task.taskId, 'image', 2, end('succeeded'));
    const record = (await ledger.get(task.taskId))!;
    expect(record.state).toBe('succeeded');
    expect(record.attempts.map((a) => [a.attempt, a.requestId, a.outcome])).toEqual([
      [1, 'r1', 'retrying'],
      [2, 'r2', 'succeeded'],
    ]);
    expect(record.gbSeconds).toBeCloseTo(0.2, 9);
  });

  it('concurrent deliveries of one event both start, and the first terminal outcome wins', async () => {
    const task = upload('uploads/d.jpg');
    const starts = await Promise.all([ledger.startAttempt(task, attemptStart('r1')), ledger.startAttempt(task, attemptStart('r2'))]);
    expect(starts.map((s) => s.start && s.attempt).sort()).toEqual([1, 2]);
    const ends = await Promise.all([ledger.finishAttempt(task.taskId, 'image', 1, end('succeeded')), ledger.finishAttempt(task.taskId, 'image', 2, end('failed'))]);
    expect(ends.filter(Boolean)).toHaveLength(1);
    const record = (await ledger.get(task.taskId))!;
    expect(ends.find(Boolean)).toEqual(record);
    expect(['succeeded', 'failed']).toContain(record.state);
    expect(record.attemptCount).toBe(2);
  });

  it('a new upload of the same key is a new task; both are found by input', async () => {
    const first = upload('uploads/e.jpg', '0001', clock);
    const second = upload('uploads/e.jpg', '0002', clock + 5);
    expect(first.taskId).not.toBe(second.taskId);
    await ledger.startAttempt(first, attemptStart('r1'));
    await ledger.finishAttempt(first.taskId, 'image', 1, end('superseded'));
    await ledger.startAttempt(second, attemptStart('r2'));
    expect((await ledger.forInput('ingest', 'uploads/e.jpg')).map((t) => [t.taskId, t.state])).toEqual([
      [second.taskId, 'running'],
      [first.taskId, 'superseded'],
    ]);
  });

  it('records a dead letter, creating the record when no attempt wrote one, and never over a finished task', async () => {
    const crashed = upload('uploads/f.jpg');
    expect(await ledger.markDeadLettered(crashed, { error: { code: 'DEAD_LETTERED', message: 'timed out' }, retryMessage: '{"Records":[]}' })).toEqual(await ledger.get(crashed.taskId));
    expect(await ledger.get(crashed.taskId)).toMatchObject({ state: 'dead-lettered', attemptCount: 0, retryMessage: '{"Records":[]}', failure: { code: 'DEAD_LETTERED' } });
    const done = upload('uploads/g.jpg');
    await ledger.startAttempt(done, attemptStart('r1'));
    await ledger.finishAttempt(done.taskId, 'image', 1, end('succeeded'));
    expect(await ledger.markDeadLettered(done, { error: { code: 'DEAD_LETTERED', message: 'late' }, retryMessage: '{}' })).toBeUndefined();
    expect((await ledger.get(done.taskId))?.state).toBe('succeeded');
  });

  it('retries a failed or dead-lettered task as a new attempt of the same task', async () => {
    const task = upload('uploads/h.jpg');
    await ledger.startAttempt(task, attemptStart('r1'));
    await ledger.finishAttempt(task.taskId, 'image', 1, end('failed', { failure: { code: 'IMAGE_CORRUPT', message: 'bad' } }));
    const retry = await ledger.requestRetry(task.taskId);
    expect(retry).toMatchObject({ retried: true, task: { state: 'queued', retries: 1 } });
    expect((await ledger.get(task.taskId))?.failure).toBeUndefined();
    expect(await ledger.startAttempt(task, attemptStart('r2'))).toEqual({ start: true, attempt: 2 });
    expect(await ledger.requestRetry(task.taskId)).toEqual({ retried: false, state: 'running' });
    expect(await ledger.requestRetry('0'.repeat(26))).toEqual({ retried: false, state: undefined });
  });

  it('stops a queued task before it starts, and a running one after its attempt', async () => {
    const queued = { ...upload('jobs/q.json'), origin: 'api' as const };
    await ledger.createQueued(queued);
    expect(await ledger.requestStop(queued.taskId)).toEqual({ stopped: true });
    expect(await ledger.startAttempt(queued, attemptStart('r1'))).toEqual({ start: false, state: 'stopped' });

    const running = upload('uploads/r.jpg');
    await ledger.startAttempt(running, attemptStart('r1'));
    expect(await ledger.requestStop(running.taskId)).toEqual({ stopped: false, state: 'running' });
    // Its attempt fails transiently: instead of retrying, the task stops.
    expect(await ledger.finishAttempt(running.taskId, 'image', 1, end('retrying'))).toMatchObject({ state: 'stopped' });
    expect((await ledger.get(running.taskId))?.state).toBe('stopped');
    expect(await ledger.startAttempt(running, attemptStart('r2'))).toEqual({ start: false, state: 'stopped' });
  });

  it('lists by pipeline, state and time, newest first, in pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const task = upload(`uploads/list-${i}.jpg`, '0001', clock + i);
      ids.push(task.taskId);
      await ledger.startAttempt(task, attemptStart(`r${i}`));
      if (i % 2 === 0) await ledger.finishAttempt(task.taskId, 'image', 1, end('failed'));
    }
    const failed = await ledger.list({ pipeline: 'image', state: 'failed' });
    expect(failed.tasks.map((t) => t.taskId)).toEqual([ids[4], ids[2], ids[0]]);
    expect((await ledger.list({ state: 'running' })).tasks.map((t) => t.taskId)).toEqual([ids[3], ids[1]]);
    const page1 = await ledger.list({ pipeline: 'image', limit: 2 });
    expect(page1.tasks.map((t) => t.taskId)).toEqual([ids[4], ids[3]]);
    const page2 = await ledger.list({ pipeline: 'image', limit: 2, next: page1.next! });
    expect(page2.tasks.map((t) => t.taskId)).toEqual([ids[2], ids[1]]);
    expect((await ledger.list({ pipeline: 'image', since: clock + 3 })).tasks.map((t) => t.taskId)).toEqual([ids[4], ids[3]]);
    expect((await ledger.list({})).tasks).toHaveLength(5);
    await expect(ledger.list({ next: '!!' })).rejects.toThrow(/next/);
  });

  it('lists whole records from key-only indexes, in order, across more keys than one batch read takes', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 130; i++) {
      const task = upload(`uploads/many-${i}.jpg`, '0001', clock + i);
      ids.push(task.taskId);
      await ledger.startAttempt(task, attemptStart(`r${i}`));
    }
    await ledger.finishAttempt(ids[7]!, 'image', 1, end('succeeded', { resultKey: 'image/many-7.jpg/manifest.json' }));
    const page = await ledger.list({ pipeline: 'image', limit: 200 });
    expect(page.tasks.map((t) => t.taskId)).toEqual([...ids].reverse());
    expect(page.next).toBeUndefined();
    expect(page.tasks.find((t) => t.taskId === ids[7])).toEqual(await ledger.get(ids[7]!));
    expect((await ledger.list({ state: 'succeeded' })).tasks).toEqual([await ledger.get(ids[7]!)]);
    expect(await ledger.forInput('ingest', 'uploads/many-7.jpg')).toEqual([await ledger.get(ids[7]!)]);
  });

  it('idempotency keys: the same body names the same task, another body conflicts', async () => {
    expect(await ledger.claimIdempotencyKey('k1', 'hash-a', 'T1')).toEqual({ kind: 'new', taskId: 'T1' });
    expect(await ledger.claimIdempotencyKey('k1', 'hash-a', 'T2')).toEqual({ kind: 'replay', taskId: 'T1' });
    expect(await ledger.claimIdempotencyKey('k1', 'hash-b', 'T3')).toEqual({ kind: 'conflict', taskId: 'T1' });
    expect((await ledger.list({})).tasks).toHaveLength(0);
  });
});
