import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../lib/local/eventbridge/delivery-journal.ts';
import { LocalRuntime } from '../../lib/local/runtime.ts';
import { CDK_EVENTS_STACK, synthEventsApp } from './fixtures/eventbridge-cdk-app.ts';
import { removeTempDirs } from '../unit/local/fixtures/tiny-assembly.ts';

afterAll(removeTempDirs);

/** The runtime against what CDK synthesizes for the kit's event bus, subscriptions and an S3 rule. */
describe('EventBridge wiring synthesized by CDK', () => {
  let runtime: LocalRuntime;
  const warnings: string[] = [];

  beforeAll(async () => {
    runtime = await LocalRuntime.start({ assemblyDirectory: synthEventsApp(), onWarning: (w) => warnings.push(w) });
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  const queueUrl = (prefix: string) => {
    const id = Object.entries(runtime.index.stack(CDK_EVENTS_STACK).template.Resources ?? {}).find(([logicalId, r]) => r.Type === 'AWS::SQS::Queue' && logicalId.startsWith(prefix))![0];
    return runtime.index.identity(CDK_EVENTS_STACK, id).attributes.QueueUrl!;
  };
  const receive = async (prefix: string): Promise<Message[]> => {
    for (let round = 0; round < 10; round++) {
      const out = await runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(prefix), MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      if (out.Messages?.length) return out.Messages;
    }
    return [];
  };

  it('runs the bus, both subscriptions and the S3 rule, with nothing left out', () => {
    expect(runtime.eventBridge!.buses.map((b) => b.name)).toEqual(['default', 'media-kit']);
    expect(runtime.eventBridge!.rules).toHaveLength(3);
    expect(runtime.eventBridge!.rules.flatMap((r) => r.targets.map((t) => t.destination.kind)).sort()).toEqual(['function', 'queue', 'queue']);
    expect(runtime.inventory.unsupported).toEqual([]);
    expect(warnings.filter((w) => /EventBridge|event bus/.test(w))).toEqual([]);
  });

  it('routes kit events by detail-type and pipeline', async () => {
    const out = runtime.eventBridge!.putEvents([
      { EventBusName: 'media-kit', Source: 'media-kit', DetailType: 'Task Failed', Detail: JSON.stringify({ taskId: 't-9', pipeline: 'image' }) },
      { EventBusName: 'media-kit', Source: 'media-kit', DetailType: 'Battle Settled', Detail: JSON.stringify({ taskId: 't-10', pipeline: 'settlement' }) },
    ]);
    expect(out.FailedEntryCount).toBe(0);
    const [failedId, settledId] = out.Entries.map((e) => (e as { EventId: string }).EventId);
    const [message] = await receive('FailedTasks');
    expect(JSON.parse(message!.Body!)).toMatchObject({ id: failedId, 'detail-type': 'Task Failed', detail: { taskId: 't-9' } });
    await runtime.eventBridge!.journal.waitFor((r): r is DeliveryRecord => r.kind === 'delivery' && r.eventId === settledId && r.outcome === 'delivered');
    let invoked = false;
    for (let i = 0; i < 50 && !invoked; i++) {
      invoked = runtime.tasks.all().some((record) => record.source === 'async' && record.outcome === 'succeeded');
      if (!invoked) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(invoked).toBe(true);
  });

  it("sends the results bucket's Object Created events under image/ to the rule's queue", async () => {
    const bucket = runtime.eventBridge!.rules.find((r) => r.bus === 'default')!;
    expect(bucket.targets[0]).toMatchObject({ maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 });
    const results = runtime.index.identity(CDK_EVENTS_STACK, Object.entries(runtime.index.stack(CDK_EVENTS_STACK).template.Resources ?? {}).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.startsWith('StorageResults'))![0]).ref;
    await runtime.s3.send(new PutObjectCommand({ Bucket: results, Key: 'failures/x.json', Body: '{}', ContentType: 'application/json' }));
    await runtime.s3.send(new PutObjectCommand({ Bucket: results, Key: 'image/a/manifest.json', Body: '{}', ContentType: 'application/json' }));
    const messages = await receive('ImageResults');
    expect(messages.map((m) => JSON.parse(m.Body!).detail.object.key)).toEqual(['image/a/manifest.json']);
  });
});
