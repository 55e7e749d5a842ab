import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteQueueCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../lib/local/eventbridge/clock.ts';
import type { DeliveryRecord, EventRecord } from '../../../lib/local/eventbridge/delivery-journal.ts';
import { localCredentials } from '../../../lib/local/emulators/loopback.ts';
import { LocalRuntime } from '../../../lib/local/runtime.ts';
import { listeningSockets } from '../../integration/helpers/listening-sockets.ts';
import { eventBridgeResources, LISTENER_HANDLER, PUBLISHER_HANDLER } from './fixtures/eventbridge-assembly.ts';
import { removeTempDirs, writeTinyAssembly } from './fixtures/tiny-assembly.ts';

afterAll(removeTempDirs);

/** The AWS CLI is not installed on every machine; where it is, it must work against the endpoint too. */
const awsCli = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

describe('EventBridge in the local runtime', () => {
  let runtime: LocalRuntime;
  let events: EventBridgeClient;
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
  const warnings: string[] = [];
  const errors: Error[] = [];

  beforeAll(async () => {
    const dir = writeTinyAssembly({
      functions: [
        { logicalId: 'Listener', source: LISTENER_HANDLER, environment: { RESULTS_BUCKET: { Ref: 'Results' } } },
        { logicalId: 'Publisher', source: PUBLISHER_HANDLER, environment: { BUS_NAME: { Ref: 'Bus' } } },
      ],
      resources: eventBridgeResources(),
    });
    runtime = await LocalRuntime.start({ assemblyDirectory: dir, eventBridgeClock: clock, onWarning: (w) => warnings.push(w), onError: (e) => errors.push(e) });
    events = new EventBridgeClient({ endpoint: runtime.eventBridge!.endpoint, region: 'us-east-1', credentials: localCredentials() });
  });
  afterAll(async () => {
    events?.destroy();
    await runtime?.stop();
  });

  const queueUrl = (logicalId: string) => runtime.index.identity('Tiny', logicalId).attributes.QueueUrl!;
  const receive = async (logicalId: string, count = 1): Promise<Message[]> => {
    const got: Message[] = [];
    for (let round = 0; round < 10 && got.length < count; round++) {
      const out = await runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(logicalId), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
      got.push(...(out.Messages ?? []));
    }
    return got;
  };
  const nothingIn = async (logicalId: string) => {
    const out = await runtime.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(logicalId), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    return (out.Messages ?? []).length === 0;
  };
  const journal = () => runtime.eventBridge!.journal;
  const delivered = (eventId: string, target: string) =>
    journal().waitFor((r): r is DeliveryRecord => r.kind === 'delivery' && r.eventId === eventId && r.target === target && r.outcome !== 'retrying');

  it('reads buses and rules, names the target it cannot deliver to once, and supports the events resources', () => {
    expect(runtime.eventBridge!.buses.map((b) => b.name)).toEqual(['default', 'kit-events']);
    expect(runtime.eventBridge!.rules.find((r) => r.name === 'doomed')?.arn).toBe('arn:aws:events:us-east-1:000000000000:rule/kit-events/doomed');
    expect(warnings).toEqual(['EventBridge targets not delivered locally (journaled as skipped): to-kinesis → Stream (kinesis)']);
    expect(runtime.inventory.unsupported).toEqual([]);
  });

  it('routes a PutEvents from the SDK to SQS and Lambda targets, through an input transformer, once per rule', async () => {
    const out = await events.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'kit-events', Source: 'media-kit', DetailType: 'Task Succeeded', Detail: JSON.stringify({ taskId: 't-1', pipeline: 'image' }), Resources: ['arn:x'] }] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    const eventId = out.Entries![0]!.EventId!;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    const [routed] = await receive('RoutedQueue');
    expect(JSON.parse(routed!.Body!)).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'Task Succeeded',
      source: 'media-kit',
      account: '000000000000',
      time: '2026-03-01T12:00:00Z',
      region: 'us-east-1',
      resources: ['arn:x'],
      detail: { taskId: 't-1', pipeline: 'image' },
    });
    const [transformed] = await receive('TransformedQueue');
    expect(JSON.parse(transformed!.Body!)).toEqual({ task: 't-1', text: 'task t-1 of image succeeded', rule: runtime.eventBridge!.rules.find((r) => r.arn.includes('RouteRule'))!.name });

    await delivered(eventId, 'Listener');
    await runtime.eventBridge!.drain();
    let written: string | undefined;
    for (let i = 0; i < 50 && !written; i++) {
      written = await runtime.s3
        .send(new GetObjectCommand({ Bucket: 'tiny-results', Key: `events/${eventId}.json` }))
        .then((r) => r.Body!.transformToString())
        .catch(() => undefined);
      if (!written) await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.parse(written!).detail).toEqual({ taskId: 't-1', pipeline: 'image' });

    const record = journal().events().find((e) => e.eventId === eventId)!;
    expect(record.matchedRules).toHaveLength(1); // the disabled rule on the same bus saw nothing
    expect(journal().deliveries({ eventId }).map((d) => `${d.target}:${d.outcome}`).sort()).toEqual(['Listener:delivered', 'Routed:delivered', 'Transformed:delivered']);
    expect(await nothingIn('RoutedQueue')).toBe(true);
  });

  it('validates entries as EventBridge does', async () => {
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'a', DetailType: 'b', Detail: '{}' },
          { DetailType: 'b', Detail: '{}' },
          { Source: 'a', DetailType: 'b', Detail: '[1]' },
          { Source: 'a', DetailType: 'b', Detail: 'not json' },
          { Source: 'aws.s3', DetailType: 'b', Detail: '{}' },
          { Source: 'a', DetailType: 'b' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(5);
    expect(out.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual(['ok', 'InvalidArgument', 'MalformedDetail', 'MalformedDetail', 'NotAuthorizedForSourceException', 'InvalidArgument']);
    expect(out.Entries![1]!.ErrorMessage).toBe('Parameter Source is not valid. Reason: Source is a required argument.');
    const eleven = Array.from({ length: 11 }, () => ({ Source: 'a', DetailType: 'b', Detail: '{}' }));
    await expect(events.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({ name: 'ValidationException' });
    const big = [{ Source: 'a', DetailType: 'b', Detail: JSON.stringify({ x: 'y'.repeat(262_144) }) }];
    await expect(events.send(new PutEventsCommand({ Entries: big }))).rejects.toThrow('Total size of the entries in the request is over the limit.');
    // EventBridge accepts events for a bus that does not exist and drops them; locally that is said once.
    const lost = await events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'nope', Source: 'a', DetailType: 'b', Detail: '{}' }] }));
    expect(lost.FailedEntryCount).toBe(0);
    expect(journal().events().find((e) => e.eventId === lost.Entries![0]!.EventId)?.outcome).toBe('no-such-bus');
    expect(warnings.some((w) => w.includes('event bus nope'))).toBe(true);
  });

  it('lets a function publish through AWS_ENDPOINT_URL_EVENTBRIDGE', async () => {
    const before = new Set(journal().events().map((e) => e.eventId));
    const out = runtime.eventBridge!.putEvents([{ Source: 'test.trigger', DetailType: 'Go', Detail: '{}' }]);
    const trigger = (out.Entries[0] as { EventId: string }).EventId;
    const published = await journal().waitFor((r): r is EventRecord => r.kind === 'event' && r.bus === 'kit-events' && !before.has(r.eventId), 20_000);
    expect(published).toMatchObject({ source: 'media-kit', detailType: 'Task Succeeded', outcome: 'routed' });
    const messages = await receive('RoutedQueue');
    const body = JSON.parse(messages.find((m) => JSON.parse(m.Body!).id === published.eventId)!.Body!);
    expect(body.detail).toEqual({ taskId: 'from-function', pipeline: 'image', cause: trigger, endpoint: runtime.eventBridge!.endpoint });
  });

  it("dead-letters an event whose target queue is gone, with EventBridge's message attributes", async () => {
    await runtime.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl('GoneQueue') }));
    const out = runtime.eventBridge!.putEvents([{ EventBusName: 'kit-events', Source: 'media-kit', DetailType: 'Doomed', Detail: '{"n":1}' }]);
    const eventId = (out.Entries[0] as { EventId: string }).EventId;
    const record = await delivered(eventId, 'Gone');
    expect(record).toMatchObject({ outcome: 'dead-lettered', attempt: 1, error: { code: 'NO_RESOURCE' }, deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:Tiny-TargetDlq' });
    const [dead] = await receive('TargetDlq');
    expect(JSON.parse(dead!.Body!).id).toBe(eventId);
    const attribute = (name: string) => dead!.MessageAttributes?.[name]?.StringValue;
    expect(attribute('RULE_ARN')).toBe('arn:aws:events:us-east-1:000000000000:rule/kit-events/doomed');
    expect(attribute('TARGET_ARN')).toBe('arn:aws:sqs:us-east-1:000000000000:Tiny-GoneQueue');
    expect(attribute('ERROR_CODE')).toBe('NO_RESOURCE');
    expect(attribute('ERROR_MESSAGE')).toBeTruthy();
    expect(attribute('RETRY_ATTEMPTS')).toBe('0');
  });

  it('publishes S3 object events from EventBridge-enabled buckets; a rule filters them by key prefix', async () => {
    const body = Buffer.from('{"ok":true}');
    await runtime.s3.send(new PutObjectCommand({ Bucket: 'tiny-announcer', Key: 'reports/a b+c.json', Body: body, ContentType: 'application/json' }));
    await runtime.s3.send(new PutObjectCommand({ Bucket: 'tiny-announcer', Key: 'other/x.json', Body: body, ContentType: 'application/json' }));
    await runtime.s3.send(new CopyObjectCommand({ Bucket: 'tiny-archive', Key: 'reports/copy.json', CopySource: 'tiny-announcer/reports/a%20b%2Bc.json' }));
    const messages = await receive('S3Queue', 2);
    const byKey = new Map(messages.map((m) => [JSON.parse(m.Body!).detail.object.key as string, JSON.parse(m.Body!)]));
    expect([...byKey.keys()].sort()).toEqual(['reports/a b+c.json', 'reports/copy.json']);
    const created = byKey.get('reports/a b+c.json');
    expect(created).toMatchObject({
      version: '0',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: '000000000000',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::tiny-announcer'],
      detail: {
        version: '0',
        bucket: { name: 'tiny-announcer' },
        object: { key: 'reports/a b+c.json', size: body.length, etag: expect.stringMatching(/^[0-9a-f]{32}$/), sequencer: expect.stringMatching(/^[0-9a-f]+$/) },
        'request-id': expect.any(String),
        requester: '000000000000',
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    });
    expect(byKey.get('reports/copy.json')).toMatchObject({ resources: ['arn:aws:s3:::tiny-archive'], detail: { reason: 'CopyObject', bucket: { name: 'tiny-archive' } } });
    expect(await nothingIn('S3Queue')).toBe(true);

    await runtime.s3.send(new DeleteObjectCommand({ Bucket: 'tiny-announcer', Key: 'other/x.json' }));
    const [deleted] = await receive('DeletedQueue');
    expect(JSON.parse(deleted!.Body!)).toMatchObject({
      'detail-type': 'Object Deleted',
      detail: { bucket: { name: 'tiny-announcer' }, object: { key: 'other/x.json' }, reason: 'DeleteObject', 'deletion-type': 'Permanently Deleted' },
    });
    expect(JSON.parse(deleted!.Body!).detail.object.size).toBeUndefined();
  });

  it('fires a rate(1 minute) schedule on the injected clock, as Scheduled Events', async () => {
    expect(await nothingIn('ScheduleQueue')).toBe(true);
    await clock.advance(59_000);
    expect(await nothingIn('ScheduleQueue')).toBe(true);
    await clock.advance(1_000);
    const [first] = await receive('ScheduleQueue');
    await clock.advance(60_000);
    const [second] = await receive('ScheduleQueue');
    const rule = runtime.eventBridge!.rules.find((r) => r.name === 'every-minute')!;
    for (const [message, time] of [
      [first, '2026-03-01T12:01:00Z'],
      [second, '2026-03-01T12:02:00Z'],
    ] as const) {
      expect(JSON.parse(message!.Body!)).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [rule.arn], detail: {}, time });
    }
  });

  it.skipIf(!awsCli)('answers `aws events put-events --endpoint-url`', async () => {
    // Asynchronously: the endpoint is served by this very process.
    const { stdout: out } = await promisify(execFile)(
      'aws',
      ['events', 'put-events', '--endpoint-url', runtime.eventBridge!.endpoint, '--region', 'us-east-1', '--output', 'json', '--entries', JSON.stringify([{ Source: 'cli', DetailType: 'Hello', Detail: '{}' }])],
      { env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }, encoding: 'utf8', timeout: 30_000 },
    );
    const result = JSON.parse(out) as { FailedEntryCount: number; Entries: { EventId?: string }[] };
    expect(result.FailedEntryCount).toBe(0);
    expect(journal().events().some((e) => e.eventId === result.Entries[0]!.EventId && e.source === 'cli')).toBe(true);
  });

  it('serves EventBridge on 127.0.0.1 only', () => {
    const port = runtime.eventBridge!.port;
    const sockets = listeningSockets().filter((s) => s.port === port);
    expect(sockets).toEqual([{ address: '127.0.0.1', port }]);
  });

  it('raised no errors', () => {
    expect(errors).toEqual([]);
  });
});

describe('EventBridge resources the runtime refuses', () => {
  const startWith = async (resources: Record<string, unknown>, functions = [{ logicalId: 'Listener', source: LISTENER_HANDLER, environment: { BUS_NAME: { Ref: 'Bus' } } }]) => {
    const dir = writeTinyAssembly({ functions, resources: { Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'kit-events' } }, Q: { Type: 'AWS::SQS::Queue', Properties: {} }, ...resources } });
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir }).catch((error: Error) => error);
    if (runtime instanceof LocalRuntime) {
      await runtime.stop();
      throw new Error('the runtime started');
    }
    return runtime;
  };
  const rule = (properties: Record<string, unknown>) => ({ Bad: { Type: 'AWS::Events::Rule', Properties: { Targets: [{ Id: 'Q', Arn: { 'Fn::GetAtt': ['Q', 'Arn'] } }], ...properties } } });

  it('fails start on an invalid event pattern, naming the rule and the reason', async () => {
    const error = await startWith(rule({ EventPattern: { detail: { n: [{ numeric: ['>', 5, '<', 1] }] } } }));
    expect(error).toMatchObject({ code: 'ASSEMBLY_INVALID' });
    expect(error.message).toBe('Rule Bad in Tiny: Event pattern is not valid. Reason: Bottom must be less than top (at detail.n[0].numeric)');
  });

  it('fails start on an invalid schedule, or a schedule on a custom bus', async () => {
    expect((await startWith(rule({ ScheduleExpression: 'rate(1 minutes)' }))).message).toMatch(/^Rule Bad in Tiny: Parameter ScheduleExpression is not valid: rate\(1 minutes\)/);
    expect((await startWith(rule({ ScheduleExpression: 'rate(5 minutes)', EventBusName: { Ref: 'Bus' } }))).message).toBe(
      'Rule Bad in Tiny: a ScheduleExpression is only supported on the default event bus, not kit-events',
    );
  });

  it('fails start on a target input EventBridge would refuse', async () => {
    const error = await startWith({
      Bad: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['x'] }, Targets: [{ Id: 'Q', Arn: { 'Fn::GetAtt': ['Q', 'Arn'] }, InputTransformer: { InputTemplate: '"<nope>"' } }] } },
    });
    expect(error.message).toBe('Rule Bad in Tiny: target Q: InputTemplate contains invalid placeholder nope');
  });

  it('fails start when a local function publishes to a bus whose rule targets what the runtime cannot deliver to', async () => {
    const error = await startWith({
      Bad: {
        Type: 'AWS::Events::Rule',
        Properties: { Name: 'to-sfn', EventBusName: { Ref: 'Bus' }, EventPattern: { source: ['media-kit'] }, Targets: [{ Id: 'Flow', Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:flow' }] },
      },
    });
    expect(error).toMatchObject({ code: 'RESOURCE_UNSUPPORTED' });
    expect(error.message).toBe(
      'Rule Bad in Tiny sends to target Flow (arn:aws:states:us-east-1:000000000000:stateMachine:flow), states, which the local runtime cannot deliver to; Tiny-Listener publish to its bus kit-events',
    );
  });
});
