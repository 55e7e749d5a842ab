import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { failureAppAssembly } from './helpers/assemblies.ts';

/**
 * Retries, timeouts and dead letters through the runtime, on wiring synthesized from the kit's
 * own constructs (KitFunction, QueueWorker: 1 s timeouts, 6 s visibility, maxReceiveCount 2).
 */
describe.concurrent('failure modes through the local runtime', () => {
  let runtime: LocalRuntime;
  const errors: Error[] = [];

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ assemblyDirectory: await failureAppAssembly(), onError: (e) => errors.push(e) });
  }, 180_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  it('ends a message whose processing always throws in the DLQ, reported DEAD_LETTERED', async () => {
    const route = runtime.pipeline('throws')!;
    const started = Date.now();
    const task = await (await runtime.upload(route, 'doomed.jpg', Buffer.from('anything'))).done;
    expect(task).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'DEAD_LETTERED' } });
    expect(task.error?.message).toMatch(/after 2 attempts/);
    // Two deliveries, each left invisible for the 6 s visibility timeout before the next receive.
    expect(Date.now() - started).toBeGreaterThanOrEqual(11_500);
    const invocations = runtime.tasks.invocationsFor('throws/doomed.jpg');
    expect(invocations.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    // The shared queue-worker handler logged the transient failure as Powertools JSON.
    const logged = invocations[0]!.logs!.map((line) => JSON.parse(line.text) as { level: string; message: string; key?: string });
    expect(logged).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'Task failed; the message will be retried', key: 'throws/doomed.jpg' }));
    const dlq = runtime.deadLetterQueueOf(route.queueName!)!;
    expect(runtime.queueDepth(dlq)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    expect(runtime.queueDepth(route.queueName!)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 40_000);

  it('retries a handler that times out: the redelivery succeeds', async () => {
    const route = runtime.pipeline('sleeps')!;
    const task = await (await runtime.upload(route, 'slow start.jpg', Buffer.from('anything'))).done;
    expect(task).toMatchObject({ status: 'succeeded', attempts: 2 });
    await vi.waitFor(() => expect(runtime.tasks.invocationsFor('sleeps/slow start.jpg').map((r) => r.outcome)).toEqual(['timeout', 'succeeded']));
    const [timedOut] = runtime.tasks.invocationsFor('sleeps/slow start.jpg');
    expect(timedOut!.error?.errorMessage).toBe('Task timed out after 1.00 seconds');
    expect(timedOut!.durationMs).toBeLessThan(10_000);
    // The timed-out first delivery did no work: the manifest is the second delivery's, and the
    // environment that ran the first is gone (only the redelivery's instance is alive), so
    // nothing can write after the timeout.
    const manifest = await runtime.s3.send(new GetObjectCommand({ Bucket: route.resultsBucket, Key: task.resultKey }));
    expect(JSON.parse(await manifest.Body!.transformToString())).toEqual({ input: 'sleeps/slow start.jpg', attempt: 2 });
    await vi.waitFor(() => expect(runtime.hosts.get(route.functionName)!.instanceCount).toBe(1));
    expect(errors).toEqual([]);
  }, 40_000);
});
