import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { photoJpeg, truncatedJpeg } from '../fixtures/images.ts';
import { PROJECT_ROOT } from './helpers/assemblies.ts';

/** The stack name of fixtures/task-events-app.ts (importing it would synthesize it here). */
const TASK_EVENTS_STACK = 'MediaKitTest-task-events';

/** Task events on the kit bus reach a subscriber: the worker's PutEvents, the rule, the SQS target. */
describe('task events through the local runtime', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    const { directory } = await ensureAssembly({
      projectRoot: PROJECT_ROOT,
      preset: 'test-task-events',
      app: 'npx tsx test/integration/fixtures/task-events-app.ts',
    });
    runtime = await LocalRuntime.start({ assemblyDirectory: directory });
  }, 240_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  it('announces Task Succeeded and Task Failed with ids and keys, never the media', async () => {
    const image = runtime.pipeline('image')!;
    const [good, bad] = await Promise.all([runtime.upload(image, 'event-good.jpg', await photoJpeg(320, 240)), runtime.upload(image, 'event-bad.jpg', await truncatedJpeg())]);
    await Promise.all([good.done, bad.done]);
    const resources = runtime.index.stack(TASK_EVENTS_STACK).template.Resources ?? {};
    const [queueId] = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::SQS::Queue' && id.startsWith('TaskInbox') && !id.includes('DeadLetter'))!;
    const queueUrl = runtime.index.identity(TASK_EVENTS_STACK, queueId).attributes.QueueUrl!;
    const events: Array<{ source: string; 'detail-type': string; detail: Record<string, any> }> = [];
    for (let round = 0; round < 30 && events.length < 2; round++) {
      const received = await runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      for (const message of received.Messages ?? []) events.push(JSON.parse(message.Body!));
    }
    const byKey = new Map(events.map((e) => [e.detail.input.key, e]));
    expect(byKey.get(good.key)).toMatchObject({
      source: 'media-kit',
      'detail-type': 'Task Succeeded',
      detail: { pipeline: 'image', state: 'succeeded', resultKey: good.resultKey, attempts: 1, taskId: expect.stringMatching(/^[0-9A-Z]{26}$/) },
    });
    expect(byKey.get(bad.key)).toMatchObject({
      'detail-type': 'Task Failed',
      detail: { pipeline: 'image', state: 'failed', failure: { code: 'IMAGE_CORRUPT', recordKey: bad.failureKey } },
    });
    expect(JSON.stringify(events).length).toBeLessThan(4000);
  });
});
