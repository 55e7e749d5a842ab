import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import type { Task } from '../../lib/local/tasks/outcome-tracker.ts';
import { PROJECT_ROOT } from './helpers/assemblies.ts';

/**
 * Time budgets, deferral and dead letters through the local runtime, on a pipeline built with the
 * kit's QueuePipeline (test/integration/fixtures/budget-app.ts: 2 s timeout, batches of 3, 0.3 s
 * per object, maxReceiveCount 1 — so any record that counted a delivery it did not use would be
 * dead-lettered on its next receive).
 */
describe('time budgets through the local runtime', () => {
  let runtime: LocalRuntime;
  const errors: Error[] = [];

  beforeAll(async () => {
    const assembly = await ensureAssembly({
      projectRoot: PROJECT_ROOT,
      preset: 'test-budget',
      app: 'npx tsx test/integration/fixtures/budget-app.ts',
      inputs: ['lib/constructs', 'lib/pipelines', 'functions/shared', 'test/integration/fixtures', 'cdk.json', 'package-lock.json'],
    });
    runtime = await LocalRuntime.start({ assemblyDirectory: assembly.directory, onError: (e) => errors.push(e) });
  }, 180_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  const route = () => runtime.pipeline('budget')!;
  /** Uploads in order, each after the previous one's event reached the queue, so they batch in that order. */
  async function uploadInOrder(names: string[]): Promise<Task[]> {
    const tasks: Task[] = [];
    for (const name of names) tasks.push(await runtime.upload(route(), name, Buffer.from(name)));
    return Promise.all(tasks.map((task) => task.done));
  }

  it('times out a slow object alone: it fails with its code, its batch-mates succeed on their first attempt', async () => {
    const [a, slow, b] = await uploadInOrder(['a.bin', 'slow.bin', 'b.bin']);
    expect(slow).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'BUDGET_TIMEOUT', details: { budgetMs: 300 } } });
    expect(a).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(b).toMatchObject({ status: 'succeeded', attempts: 1 });
    // The slow record failed permanently, so no invocation was reported failed: nothing is redelivered.
    await vi.waitFor(() => expect(runtime.tasks.invocationsFor('budget/slow.bin').map((r) => r.outcome)).toEqual(['succeeded']));
  }, 60_000);

  it('sends records it has no time for back as fresh messages: processed later, never toward the DLQ', async () => {
    const [hog, x, y] = await uploadInOrder(['hog.bin', 'x.bin', 'y.bin']);
    // The hog overran its budget (its write was refused), and took the batch's time with it.
    expect(hog).toMatchObject({ status: 'failed', error: { code: 'BUDGET_TIMEOUT' } });
    // With maxReceiveCount 1, a deferral that counted a delivery would have dead-lettered these.
    expect(x).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(y).toMatchObject({ status: 'succeeded', attempts: 1 });
    // Whichever batch-mates shared the hog's invocation were deferred (the batch may have formed without one of them).
    const logs = runtime.tasks.invocationsFor('budget/hog.bin').flatMap((r) => r.logs ?? []).map((l) => JSON.parse(l.text) as { outcome?: string; key?: string });
    const deferred = logs.filter((l) => l.outcome === 'deferred').map((l) => l.key!);
    expect(deferred.length).toBeGreaterThan(0);
    for (const key of deferred) {
      expect(['budget/x.bin', 'budget/y.bin']).toContain(key);
      // Seen twice, each time as a first delivery.
      const inputs = runtime.tasks.invocationsFor(key).flatMap((r) => r.inputs.filter((input) => input.key === key));
      expect(inputs.map((input) => input.attempt)).toEqual([1, 1]);
    }
  }, 60_000);

  it('dead-letters a queue message that is not an S3 event instead of dropping it', async () => {
    const queueName = route().queueName!;
    const dlq = runtime.deadLetterQueueOf(queueName)!;
    const queueUrl = runtime.index.findByArn(`arn:aws:sqs:${runtime.region}:000000000000:${queueName}`)!.attributes.QueueUrl!;
    await runtime.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'this is not an S3 event' }));
    // One failed delivery, then the 12 s visibility timeout (6 × 2 s), then the redrive on the next receive.
    await vi.waitFor(() => expect(runtime.queueDepth(dlq)).toMatchObject({ visible: 1 }), { timeout: 40_000, interval: 500 });
    expect(runtime.queueDepth(queueName)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(errors).toEqual([]);
  }, 60_000);
});
