import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { LocalRuntime } from '../../../lib/local/runtime.ts';
import type { Task } from '../../../lib/local/tasks/outcome-tracker.ts';
import type { InvocationRecord } from '../../../lib/local/tasks/task-log.ts';
import { ECHO_HANDLER } from './fixtures/echo-handler.ts';
import { pipelineEnvironment, queuePipelineResources, removeTempDirs, writeTinyAssembly } from './fixtures/tiny-assembly.ts';

/** SQS event source mapping semantics on a tiny bucket → queue → function assembly. */
const runtimes: LocalRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});
afterAll(removeTempDirs);

async function start(mapping: { batchSize: number; windowSeconds: number; maxConcurrency: number }): Promise<LocalRuntime> {
  const dir = writeTinyAssembly({
    functions: [{ logicalId: 'Worker', source: ECHO_HANDLER, timeout: 3, environment: pipelineEnvironment() }],
    resources: queuePipelineResources({ functionLogicalId: 'Worker', visibilityTimeout: 2, maxReceiveCount: 2, ...mapping }),
  });
  const runtime = await LocalRuntime.start({ assemblyDirectory: dir, onError: (e) => expect.unreachable(e.message) });
  runtimes.push(runtime);
  return runtime;
}

async function uploadAll(runtime: LocalRuntime, names: readonly string[]): Promise<Task[]> {
  const route = runtime.pipeline('image')!;
  const tasks = await Promise.all(names.map((name) => runtime.upload(route, name, Buffer.from(name))));
  return Promise.all(tasks.map((task) => task.done));
}

const outcomes = (runtime: LocalRuntime, name: string) => runtime.tasks.invocationsFor(`uploads/${name}`).map((r) => r.outcome);

describe('SQS event source mapping', () => {
  it('delivers messages that arrive within the batching window as one invocation', async () => {
    const runtime = await start({ batchSize: 5, windowSeconds: 1, maxConcurrency: 1 });
    const done = await uploadAll(runtime, ['one.jpg', 'two.jpg', 'three.jpg']);
    expect(done.map((t) => [t.status, t.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    const records = new Set(done.flatMap((t) => runtime.tasks.invocationsFor(t.key)));
    expect(records.size).toBe(1);
    const [record] = [...records] as [InvocationRecord];
    // A task is terminal once its manifest exists; the invocation that wrote it ends just after.
    await vi.waitFor(() => expect(record.outcome).toBe('succeeded'));
    expect(record).toMatchObject({ batchSize: 3, outcome: 'succeeded', attempt: 1 });
    expect(record.inputKeys.slice().sort()).toEqual(['uploads/one.jpg', 'uploads/three.jpg', 'uploads/two.jpg']);
  });

  it('deletes the items of a partial batch that succeeded and redelivers only the failed ones', async () => {
    const runtime = await start({ batchSize: 5, windowSeconds: 1, maxConcurrency: 1 });
    const [fine, doomed] = await uploadAll(runtime, ['fine.jpg', 'throw-partial.jpg']);
    expect(fine).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(doomed).toMatchObject({ status: 'failed', end: 'dead-letter-queue', attempts: 2, error: { code: 'DEAD_LETTERED' } });
    expect(doomed!.error!.message).toMatch(/after 2 attempts/);
    const [first] = runtime.tasks.invocationsFor('uploads/fine.jpg');
    expect(first).toMatchObject({ batchSize: 2, outcome: 'partial' });
    expect(first!.failedItems).toHaveLength(1);
    // The succeeded item was deleted: it was never handed to the function again.
    expect(outcomes(runtime, 'fine.jpg')).toEqual(['partial']);
    expect(outcomes(runtime, 'throw-partial.jpg')).toEqual(['partial', 'failed']);
    // Each record of a batch carries its own delivery count.
    expect(runtime.tasks.invocationsFor('uploads/throw-partial.jpg').map((r) => r.inputs.map((i) => i.attempt))).toEqual([[1, 1], [2]]);
  });

  it('counts attempts per upload: a re-upload of a key that once needed a retry starts again at 1', async () => {
    const runtime = await start({ batchSize: 1, windowSeconds: 0, maxConcurrency: 1 });
    const [first] = await uploadAll(runtime, ['flaky.jpg']);
    expect(first).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [again] = await uploadAll(runtime, ['flaky.jpg']);
    expect(again).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(first!.attempts).toBe(2);
  });

  it('retries a batch whose execution environment crashed', async () => {
    const runtime = await start({ batchSize: 1, windowSeconds: 0, maxConcurrency: 1 });
    const [task] = await uploadAll(runtime, ['crash-once.jpg']);
    expect(task).toMatchObject({ status: 'succeeded', attempts: 2 });
    const records = runtime.tasks.invocationsFor('uploads/crash-once.jpg');
    await vi.waitFor(() => expect(records.at(-1)?.outcome).toBe('succeeded'));
    expect(records.map((r) => [r.attempt, r.outcome, r.error?.errorType])).toEqual([
      [1, 'failed', 'Runtime.ExitError'],
      [2, 'succeeded', undefined],
    ]);
    expect(records[1]!.coldStart).toBe(true);
  });

  it('never runs more batches at once than the mapping\'s maximum concurrency', async () => {
    const runtime = await start({ batchSize: 1, windowSeconds: 0, maxConcurrency: 2 });
    const done = await uploadAll(runtime, Array.from({ length: 6 }, (_, i) => `nap-${i}.jpg`));
    expect(done.every((t) => t.status === 'succeeded')).toBe(true);
    const records = runtime.tasks.all();
    expect(records).toHaveLength(6);
    await vi.waitFor(() => expect(records.every((r) => r.endedAt !== undefined)).toBe(true));
    for (const record of records) {
      const overlapping = records.filter((other) => other !== record && other.startedAt <= record.startedAt && other.endedAt! > record.startedAt);
      expect(overlapping.length).toBeLessThanOrEqual(1);
    }
    expect(runtime.hosts.get('Tiny-Worker')!.instanceCount).toBeLessThanOrEqual(2);
  });
});
