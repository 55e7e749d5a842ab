import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SqsPoller } from '../../../lib/local/event-sources/sqs-poller.ts';
import type { FunctionHost } from '../../../lib/local/lambda/function-host.ts';
import { LocalRuntime } from '../../../lib/local/runtime.ts';
import type { Task } from '../../../lib/local/tasks/outcome-tracker.ts';
import { TaskLog, type InvocationRecord } from '../../../lib/local/tasks/task-log.ts';
import { ECHO_HANDLER } from './fixtures/echo-handler.ts';
import { pipelineEnvironment, queuePipelineResources, removeTempDirs, writeTinyAssembly } from './fixtures/tiny-assembly.ts';

/** SQS event source mapping semantics on a tiny bucket → queue → function assembly. */
const runtimes: LocalRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});
afterAll(removeTempDirs);

async function start(
  mapping: { batchSize: number; windowSeconds: number; maxConcurrency: number },
  options: { reservedConcurrency?: number; visibilityTimeout?: number; timeout?: number; timeScale?: number } = {},
): Promise<LocalRuntime> {
  const dir = writeTinyAssembly({
    functions: [
      {
        logicalId: 'Worker',
        source: ECHO_HANDLER,
        timeout: options.timeout ?? 3,
        environment: pipelineEnvironment(),
        ...(options.reservedConcurrency !== undefined ? { reservedConcurrency: options.reservedConcurrency } : {}),
      },
    ],
    resources: queuePipelineResources({ functionLogicalId: 'Worker', visibilityTimeout: options.visibilityTimeout ?? 2, maxReceiveCount: 2, ...mapping }),
  });
  const runtime = await LocalRuntime.start({
    assemblyDirectory: dir,
    onError: (e) => expect.unreachable(e.message),
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  });
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

describe('flow control and the time scale', () => {
  it('takes the concurrency slot before receiving: a message waits visible, not in flight, while the only environment is busy', async () => {
    // Two poller loops, one slot (reserved concurrency 1).
    const runtime = await start({ batchSize: 1, windowSeconds: 0, maxConcurrency: 2 }, { reservedConcurrency: 1 });
    const route = runtime.pipeline('image')!;
    const first = await runtime.upload(route, 'hold1500-first.jpg', Buffer.from('1'));
    await vi.waitFor(() => expect(runtime.tasks.invocationsFor('uploads/hold1500-first.jpg')).toHaveLength(1));
    const second = await runtime.upload(route, 'hold10-second.jpg', Buffer.from('2'));
    // While the first runs, the second stays receivable: nobody took it without a slot to run it.
    await vi.waitFor(() => expect(runtime.queueDepth(route.queueName!)).toEqual({ visible: 1, inFlight: 1, delayed: 0 }));
    expect(runtime.tasks.invocationsFor('uploads/hold10-second.jpg')).toHaveLength(0);
    const done = await Promise.all([first.done, second.done]);
    expect(done.map((t) => [t.status, t.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    // Received once, when its turn came: its first delivery.
    expect(runtime.tasks.invocationsFor('uploads/hold10-second.jpg').map((r) => r.attempt)).toEqual([1]);
  });

  it('with a time scale, retries and dead-letters sooner, yet never redelivers a batch while it still runs', async () => {
    // Visibility 20 s on AWS; at 10x, 2 s here. The slow item runs 3 s: longer than 2 s, shorter than 20 s.
    const runtime = await start({ batchSize: 1, windowSeconds: 0, maxConcurrency: 2 }, { visibilityTimeout: 20, timeout: 10, timeScale: 10 });
    expect(runtime.timeScale).toBe(10);
    const started = Date.now();
    const [doomed, slow] = await uploadAll(runtime, ['throw-scaled.jpg', 'hold3000-slow.jpg']);
    expect(doomed).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'DEAD_LETTERED' } });
    expect(slow).toMatchObject({ status: 'succeeded', attempts: 1 });
    // Two 2 s visibility timeouts instead of two 20 s ones.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(outcomes(runtime, 'hold3000-slow.jpg')).toEqual(['succeeded']);
  }, 30_000);
});

describe('SqsPoller with a scripted queue', () => {
  const config = {
    queueUrl: 'http://127.0.0.1:1/000000000000/q',
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    queueName: 'q',
    region: 'us-east-1',
    batchSize: 1,
    maxBatchingWindowMs: 0,
    concurrency: 1,
    reportBatchItemFailures: true,
  };
  const message = (id: string, receiveCount: number) => ({
    MessageId: id,
    ReceiptHandle: `r-${id}`,
    Body: JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: `uploads/${id}.jpg`, sequencer: `S${id}` } } }] }),
    MD5OfBody: '',
    Attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '1' },
  });
  const slot = { release: vi.fn() };
  const target = (invoke: () => Promise<unknown>, acquireSlot: () => Promise<unknown> = async () => slot) =>
    ({ spec: { name: 'fn', memoryMb: 128 }, invoke: vi.fn(invoke), acquireSlot: vi.fn(acquireSlot) }) as unknown as FunctionHost & {
      invoke: ReturnType<typeof vi.fn>;
      acquireSlot: ReturnType<typeof vi.fn>;
    };
  /** A queue that always has messages, as far as waiting goes (the scripted client decides what a receive gets). */
  const arrivals = { waitForMessages: async () => true };

  it('holds off ReceiveMessage until the function has a free slot, and runs the batch in that slot', async () => {
    let grant!: (value: unknown) => void;
    const granted = new Promise((resolve) => (grant = resolve));
    let receives = 0;
    const sqs = {
      send: vi.fn(async (command: unknown) => {
        if (command instanceof DeleteMessageBatchCommand) return {};
        return receives++ === 0 ? { Messages: [message('one', 1)] } : await new Promise(() => undefined);
      }),
    } as unknown as SQSClient & { send: ReturnType<typeof vi.fn> };
    const fn = target(async () => ({ ok: true, timedOut: false, value: null, endedAt: Date.now(), durationMs: 1, billedDurationMs: 1, coldStart: false, logs: [] }), () => granted);
    const poller = new SqsPoller(config, sqs, fn, new TaskLog(), () => undefined, arrivals);
    poller.start();
    await vi.waitFor(() => expect(fn.acquireSlot).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 100));
    expect(sqs.send).not.toHaveBeenCalled();
    grant(slot);
    await vi.waitFor(() => expect(fn.invoke).toHaveBeenCalledTimes(1));
    expect(fn.invoke.mock.calls[0]![2]).toBe(slot);
    await vi.waitFor(() => expect(slot.release).toHaveBeenCalled());
    void poller.stop();
  });


  it('does not process a batch that arrives after stop() began', async () => {
    let deliver!: () => void;
    const arrived = new Promise<void>((resolve) => (deliver = resolve));
    const sqs = { send: vi.fn(async () => (await arrived, { Messages: [message('late', 1)] })) } as unknown as SQSClient;
    const fn = target(async () => ({ ok: true, value: null }));
    const poller = new SqsPoller(config, sqs, fn, new TaskLog(), () => undefined, arrivals);
    poller.start();
    const stopping = poller.stop();
    deliver();
    await stopping;
    expect(fn.invoke).not.toHaveBeenCalled();
  });

  it('records every invocation, even when deleting its messages fails', async () => {
    let receives = 0;
    const sqs = {
      send: vi.fn(async (command: unknown) => {
        if (command instanceof DeleteMessageBatchCommand) throw new Error('delete refused');
        return receives++ === 0 ? { Messages: [message('one', 1)] } : await new Promise(() => undefined);
      }),
    } as unknown as SQSClient;
    const now = Date.now();
    const fn = target(async () => ({ ok: true, timedOut: false, value: null, endedAt: now, durationMs: 1, billedDurationMs: 1, coldStart: true, logs: [] }));
    const tasks = new TaskLog();
    const errors: Error[] = [];
    const poller = new SqsPoller(config, sqs, fn, tasks, (e) => errors.push(e), arrivals);
    poller.start();
    await vi.waitFor(() => expect(tasks.all()[0]?.outcome).toBe('succeeded'));
    expect(tasks.all()[0]).toMatchObject({ inputs: [{ bucket: 'b', key: 'uploads/one.jpg', attempt: 1, sequencer: 'Sone' }] });
    await vi.waitFor(() => expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/delete refused/)]));
    void poller.stop();
  });
});
