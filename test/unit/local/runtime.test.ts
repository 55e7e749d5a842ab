import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  HeadObjectCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalRuntimeError } from '../../../lib/local/errors.ts';
import { LocalRuntime } from '../../../lib/local/runtime.ts';
import { ECHO_HANDLER } from './fixtures/echo-handler.ts';
import {
  directEnvironment,
  directNotificationResources,
  pipelineEnvironment,
  queuePipelineResources,
  removeTempDirs,
  writeTinyAssembly,
} from './fixtures/tiny-assembly.ts';

afterAll(removeTempDirs);

interface Echo {
  key: string;
  record: { eventName: string; eventVersion: string; s3: { object: { key: string; size: number; eTag: string; sequencer: string }; bucket: { name: string; arn: string } } };
  message: { messageId: string; attributes: Record<string, string>; eventSource: string; eventSourceARN: string; awsRegion: string; md5OfBody: string };
  context: { functionName: string; memoryLimitInMB: string; remaining: number };
  env: Record<string, string | undefined>;
}

describe('LocalRuntime on a hand-made assembly', () => {
  let runtime: LocalRuntime;
  const warnings: string[] = [];
  const errors: Error[] = [];

  beforeAll(async () => {
    const dir = writeTinyAssembly({
      functions: [{ logicalId: 'Worker', source: ECHO_HANDLER, timeout: 1, environment: pipelineEnvironment() }],
      resources: {
        ...queuePipelineResources({ functionLogicalId: 'Worker', visibilityTimeout: 2, maxReceiveCount: 2, windowSeconds: 0 }),
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
        Announcer: { Type: 'AWS::S3::Bucket', Properties: { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } } },
      },
    });
    runtime = await LocalRuntime.start({ assemblyDirectory: dir, onWarning: (w) => warnings.push(w), onError: (e) => errors.push(e) });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  const pipeline = () => runtime.pipeline('image')!;
  const echoOf = async (name: string): Promise<Echo> => {
    const object = await runtime.s3.send(new GetObjectCommand({ Bucket: pipeline().resultsBucket, Key: `image/${name}/manifest.json` }));
    return JSON.parse(await object.Body!.transformToString()) as Echo;
  };

  it('finds the pipeline from the function environment, its queue and the bucket notification', () => {
    expect(runtime.pipelines).toEqual([
      {
        id: 'image',
        functionName: 'Tiny-Worker',
        ingestBucket: 'tiny-ingest',
        ingestPrefix: 'uploads/',
        resultsBucket: 'tiny-results',
        outputPrefix: 'image/',
        contract: { id: 'image', ingestPrefix: 'uploads/', outputPrefix: 'image/', resultDocument: 'manifest.json', errorCodes: ['TEST_BAD'], acceptsJsonTasks: false },
        queueName: 'Tiny-Work',
      },
    ]);
    expect(warnings).toEqual([
      'Not emulated locally, ignored: AWS::SNS::Topic (Topic)',
    ]);
    expect(runtime.inventory.notNeeded.get('deploy-time custom resource handler')).toBe(1);
  });

  it('delivers an S3 event through the queue to the function, with AWS shapes end to end', async () => {
    const name = 'a b+c ü.jpg';
    const task = await runtime.upload(pipeline(), name, Buffer.from('hello'));
    const done = await task.done;
    expect(done).toMatchObject({ status: 'succeeded', end: 'result', attempts: 1, key: `uploads/${name}`, resultKey: `image/${name}/manifest.json` });
    const echo = await echoOf(name);
    expect(echo.key).toBe(`uploads/${name}`);
    expect(echo.record).toMatchObject({
      eventVersion: '2.1',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'tiny-ingest', arn: 'arn:aws:s3:::tiny-ingest' }, object: { key: 'uploads/a+b%2Bc+%C3%BC.jpg', size: 5, eTag: '5d41402abc4b2a76b9719d911017c592' } },
    });
    expect(echo.message).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:Tiny-Work',
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(echo.env).toEqual({
      QUEUE_URL: `http://sqs.us-east-1.localhost:${new URL(runtime.endpoint).port}/000000000000/Tiny-Work`,
      WORK_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:Tiny-Work',
      JOINED: 'us-east-1|000000000000|Tiny',
      RESULTS_BUCKET: 'tiny-results',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'Tiny-Worker',
      AWS_ENDPOINT_URL: runtime.endpoint,
    });
    const record = runtime.tasks.invocationsFor(`uploads/${name}`).at(-1)!;
    expect(record).toMatchObject({ function: 'Tiny-Worker', source: 'Tiny-Work', attempt: 1, memoryMb: 256 });
  });

  it('names copies and multipart uploads as S3 does', async () => {
    const p = pipeline();
    await runtime.s3.send(new PutObjectCommand({ Bucket: p.ingestBucket, Key: 'staging/original.jpg', Body: 'copy me' }));
    const since = Date.now();
    await runtime.s3.send(new CopyObjectCommand({ Bucket: p.ingestBucket, Key: 'uploads/copied.jpg', CopySource: `${p.ingestBucket}/staging/original.jpg` }));
    await (await runtime.tracker.taskFor(p.ingestBucket, 'uploads/copied.jpg', since)).done;
    expect((await echoOf('copied.jpg')).record.eventName).toBe('ObjectCreated:Copy');

    const big = Buffer.alloc(6 * 1024 * 1024, 7);
    const since2 = Date.now();
    const target = { Bucket: p.ingestBucket, Key: 'uploads/multi.bin' };
    const { UploadId } = await runtime.s3.send(new CreateMultipartUploadCommand(target));
    const parts = [big.subarray(0, 5 * 1024 * 1024), big.subarray(5 * 1024 * 1024)];
    const etags = await Promise.all(
      parts.map(async (Body, i) => (await runtime.s3.send(new UploadPartCommand({ ...target, UploadId, PartNumber: i + 1, Body }))).ETag),
    );
    await runtime.s3.send(
      new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
    );
    await (await runtime.tracker.taskFor(p.ingestBucket, 'uploads/multi.bin', since2)).done;
    const echo = await echoOf('multi.bin');
    expect(echo.record.eventName).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(echo.record.s3.object.size).toBe(big.length);
    expect(echo.record.s3.object.eTag).toMatch(/-2$/);
  });

  it('ends a rejected input with its failure record', async () => {
    const done = await (await runtime.upload(pipeline(), 'bad.jpg', Buffer.from('x'))).done;
    expect(done).toMatchObject({ status: 'failed', end: 'failure-record', attempts: 1, error: { code: 'TEST_BAD', message: 'bad input' } });
  });

  it('redelivers failed batch items after the visibility timeout and dead-letters them after maxReceiveCount', async () => {
    const started = Date.now();
    const done = await (await runtime.upload(pipeline(), 'throw-always.jpg', Buffer.from('x'))).done;
    expect(done).toMatchObject({ status: 'failed', end: 'dead-letter-queue', attempts: 2, error: { code: 'DEAD_LETTERED' } });
    // Two deliveries, each followed by a 2 s visibility timeout, before the third receive moves it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3900);
    const attempts = runtime.tasks.invocationsFor('uploads/throw-always.jpg').map((r) => [r.attempt, r.outcome]);
    expect(attempts).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
  });

  it('retries a timed-out invocation: the second delivery succeeds', async () => {
    const done = await (await runtime.upload(pipeline(), 'sleep-once.jpg', Buffer.from('x'))).done;
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    // The task is terminal once its manifest exists; the invocation that wrote it ends just after.
    await vi.waitFor(() => expect(runtime.tasks.invocationsFor('uploads/sleep-once.jpg').map((r) => r.outcome)).toEqual(['timeout', 'succeeded']));
    expect((await echoOf('sleep-once.jpg')).message.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('fails a whole batch when the response names an empty itemIdentifier', async () => {
    const done = await (await runtime.upload(pipeline(), 'empty-id.jpg', Buffer.from('x'))).done;
    expect(done).toMatchObject({ status: 'failed', error: { code: 'DEAD_LETTERED' } });
    expect(runtime.tasks.invocationsFor('uploads/empty-id.jpg').map((r) => r.outcome)).toEqual(['failed', 'failed']);
    expect(errors).toEqual([]);
  });
});

describe('LocalRuntime start', () => {
  it('refuses an upload that no notification of the pipeline would deliver', async () => {
    const dir = writeTinyAssembly({
      functions: [{ logicalId: 'Worker', source: ECHO_HANDLER, environment: pipelineEnvironment() }],
      resources: queuePipelineResources({ functionLogicalId: 'Worker' }),
    });
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir });
    try {
      const route = { ...runtime.pipeline('image')!, ingestPrefix: 'elsewhere/' };
      runtime.pipelines.splice(0, 1, route);
      await expect(runtime.upload(route, 'x.jpg', Buffer.from('x'))).rejects.toMatchObject({ code: 'UNROUTABLE_INPUT' });
    } finally {
      await runtime.stop();
    }
  });

  it('fails naming a resource a function needs but the runtime does not emulate', async () => {
    const dir = writeTinyAssembly({
      functions: [{ logicalId: 'Notifier', source: 'exports.handler = async () => 1;', environment: { TOPIC_ARN: { Ref: 'Alerts' } } }],
      resources: { Alerts: { Type: 'AWS::SNS::Topic', Properties: {} } },
    });
    const start = LocalRuntime.start({ assemblyDirectory: dir });
    await expect(start).rejects.toThrow(LocalRuntimeError);
    await expect(start).rejects.toThrow(/Alerts \(AWS::SNS::Topic\).*does not emulate AWS::SNS::Topic/);
  });

  it('fails naming a trigger of a function that the runtime cannot run, instead of never delivering its events', async () => {
    const dir = writeTinyAssembly({
      functions: [{ logicalId: 'Listener', source: 'exports.handler = async () => 1;' }],
      resources: {
        Alerts: { Type: 'AWS::SNS::Topic', Properties: {} },
        AlertsToListener: {
          Type: 'AWS::SNS::Subscription',
          Properties: { TopicArn: { Ref: 'Alerts' }, Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': ['Listener', 'Arn'] } },
        },
      },
    });
    await expect(LocalRuntime.start({ assemblyDirectory: dir })).rejects.toMatchObject({
      code: 'RESOURCE_UNSUPPORTED',
      message: expect.stringContaining('The local runtime cannot run AWS::SNS::Subscription AlertsToListener (names Listener) in Tiny'),
    });
  });

  it('refuses a function built for the other architecture, with the fix in the message', async () => {
    const other = process.arch === 'arm64' ? 'x86_64' : 'arm64';
    const dir = writeTinyAssembly({ functions: [{ logicalId: 'Fn', source: 'exports.handler = async () => 1;' }] });
    const template = join(dir, 'Tiny.template.json');
    const parsed = JSON.parse(readFileSync(template, 'utf8')) as { Resources: { Fn: { Properties: Record<string, unknown> } } };
    parsed.Resources.Fn.Properties.Architectures = [other];
    writeFileSync(template, JSON.stringify(parsed));
    await expect(LocalRuntime.start({ assemblyDirectory: dir })).rejects.toMatchObject({
      code: 'ARCHITECTURE_MISMATCH',
      message: expect.stringMatching(new RegExp(`Fn in Tiny is built for ${other} .*set "architecture": "${other === 'arm64' ? 'x86_64' : 'arm64'}" in your config`)),
    });
  });
});

describe('LocalRuntime resources beyond queues', () => {
  it('mounts a function\'s layers: their bin on PATH (after the asset\'s), their nodejs/node_modules on NODE_PATH', async () => {
    const dir = writeTinyAssembly({
      functions: [
        {
          logicalId: 'Fn',
          source: `const { execFileSync } = require('node:child_process');
            exports.handler = async () => ({ tool: execFileSync('layer-tool').toString().trim(), lib: require('layer-lib').name, path: process.env.PATH });`,
        },
      ],
    });
    // A layer asset the way cdk synth writes one, and the function naming it.
    const layerDir = join(dir, 'asset.layer0000');
    mkdirSync(join(layerDir, 'bin'), { recursive: true });
    writeFileSync(join(layerDir, 'bin', 'layer-tool'), '#!/bin/sh\necho from-layer\n', { mode: 0o755 });
    mkdirSync(join(layerDir, 'nodejs', 'node_modules', 'layer-lib'), { recursive: true });
    writeFileSync(join(layerDir, 'nodejs', 'node_modules', 'layer-lib', 'index.js'), "exports.name = 'layer-lib';");
    const assets = JSON.parse(readFileSync(join(dir, 'Tiny.assets.json'), 'utf8')) as { files: Record<string, unknown> };
    assets.files.layer0000 = { source: { path: 'asset.layer0000', packaging: 'zip' }, destinations: { d: { bucketName: 'cdk-assets', objectKey: 'layer0000.zip' } } };
    writeFileSync(join(dir, 'Tiny.assets.json'), JSON.stringify(assets));
    const template = JSON.parse(readFileSync(join(dir, 'Tiny.template.json'), 'utf8')) as { Resources: Record<string, { Type?: string; Properties: Record<string, unknown> }> };
    template.Resources.Tools = { Type: 'AWS::Lambda::LayerVersion', Properties: { Content: { S3Bucket: 'cdk-assets', S3Key: 'layer0000.zip' } } };
    template.Resources.Fn!.Properties.Layers = [{ Ref: 'Tools' }];
    writeFileSync(join(dir, 'Tiny.template.json'), JSON.stringify(template));
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir });
    try {
      const host = runtime.hosts.get('Tiny-Fn')!;
      expect(host.spec.layerDirectories).toEqual([layerDir]);
      const result = await host.invoke({});
      expect(result).toMatchObject({ ok: true, value: { tool: 'from-layer', lib: 'layer-lib' } });
      const path = (result.value as { path: string }).path.split(':');
      expect(path.indexOf(join(host.spec.codeDirectory, 'bin'))).toBeLessThan(path.indexOf(join(layerDir, 'bin')));
      expect(path.indexOf(join(layerDir, 'bin'))).toBeLessThan(path.indexOf('/bin'));
    } finally {
      await runtime.stop();
    }
  });

  it('refuses a layer that is not an asset of the assembly, naming it', async () => {
    const dir = writeTinyAssembly({ functions: [{ logicalId: 'Fn', source: 'exports.handler = async () => 1;' }] });
    const template = JSON.parse(readFileSync(join(dir, 'Tiny.template.json'), 'utf8')) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
    template.Resources.Fn!.Properties.Layers = ['arn:aws:lambda:us-east-1:123456789012:layer:someone-elses:3'];
    writeFileSync(join(dir, 'Tiny.template.json'), JSON.stringify(template));
    await expect(LocalRuntime.start({ assemblyDirectory: dir })).rejects.toMatchObject({
      code: 'RESOURCE_UNSUPPORTED',
      message: expect.stringContaining('uses layer arn:aws:lambda:us-east-1:123456789012:layer:someone-elses:3, which is not a layer asset of this assembly'),
    });
  });

  it('lets a function send to a queue by its URL, although *.localhost does not resolve here', async () => {
    const dir = writeTinyAssembly({
      functions: [
        {
          logicalId: 'Sender',
          source: `
            const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
            const sqs = new SQSClient({});
            exports.handler = async (event) => {
              const sent = await sqs.send(new SendMessageCommand({ QueueUrl: process.env.NEXT_QUEUE_URL, MessageBody: JSON.stringify(event) }));
              return { url: process.env.NEXT_QUEUE_URL, messageId: sent.MessageId };
            };`,
          environment: { NEXT_QUEUE_URL: { Ref: 'Next' } },
        },
      ],
      resources: { Next: { Type: 'AWS::SQS::Queue', Properties: {} } },
    });
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir });
    try {
      const result = await runtime.hosts.get('Tiny-Sender')!.invoke({ battleId: 'b-1' });
      expect(result.error).toBeUndefined();
      expect(result.value).toMatchObject({ url: expect.stringMatching(/^http:\/\/sqs\.us-east-1\.localhost:\d+\/000000000000\/Tiny-Next$/) });
      expect(runtime.queueDepth('Tiny-Next')).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    } finally {
      await runtime.stop();
    }
  });

  it('creates DynamoDB tables and points functions at them', async () => {
    const dir = writeTinyAssembly({
      functions: [
        {
          logicalId: 'Writer',
          source: `
            const { DynamoDBClient, PutItemCommand, GetItemCommand } = require('@aws-sdk/client-dynamodb');
            const db = new DynamoDBClient({});
            exports.handler = async (event) => {
              await db.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { pk: { S: event.id }, n: { N: '1' } } }));
              const got = await db.send(new GetItemCommand({ TableName: process.env.TABLE, Key: { pk: { S: event.id } } }));
              return { table: process.env.TABLE, item: got.Item };
            };`,
          environment: { TABLE: { Ref: 'Battles' } },
        },
      ],
      resources: {
        Battles: {
          Type: 'AWS::DynamoDB::Table',
          Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' },
        },
      },
    });
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir });
    try {
      expect(runtime.dynamoDbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const result = await runtime.hosts.get('Tiny-Writer')!.invoke({ id: 'battle-1' });
      expect(result).toMatchObject({ ok: true, value: { table: 'Tiny-Battles', item: { pk: { S: 'battle-1' }, n: { N: '1' } } } });
    } finally {
      await runtime.stop();
    }
  });

  it('invokes a notified function asynchronously, retries it, and sends the failure to its destination', async () => {
    const dir = writeTinyAssembly({
      functions: [
        {
          logicalId: 'Direct',
          source: `exports.handler = async (event) => { throw new Error('no luck with ' + event.Records[0].s3.object.key); };`,
          environment: directEnvironment(),
        },
      ],
      resources: {
        ...directNotificationResources('Direct'),
        Failures: { Type: 'AWS::SQS::Queue', Properties: {} },
        InvokeConfig: {
          Type: 'AWS::Lambda::EventInvokeConfig',
          Properties: {
            FunctionName: { Ref: 'Direct' },
            Qualifier: '$LATEST',
            MaximumRetryAttempts: 1,
            DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } },
          },
        },
      },
    });
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir, asyncRetryDelaysMs: [50] });
    try {
      const task = await (await runtime.upload(runtime.pipeline('image')!, 'x.jpg', Buffer.from('x'))).done;
      expect(task).toMatchObject({ status: 'failed', end: 'failure-destination', attempts: 2, error: { code: 'DEAD_LETTERED' } });
      expect(task.error?.message).toMatch(/no luck with in\/x\.jpg/);
      expect(runtime.tasks.invocationsFor('in/x.jpg').map((r) => [r.source, r.attempt, r.outcome])).toEqual([
        ['async', 1, 'failed'],
        ['async', 2, 'failed'],
      ]);
      await vi.waitFor(() => expect(runtime.queueDepth('Tiny-Failures')?.visible).toBe(1));
      const { ReceiveMessageCommand } = await import('@aws-sdk/client-sqs');
      const received = await runtime.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: runtime.index.identity('Tiny', 'Failures').ref, MaxNumberOfMessages: 1 }),
      );
      const record = JSON.parse(received.Messages![0]!.Body!) as Record<string, { condition?: string; approximateInvokeCount?: number }>;
      expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 2 });
      expect(record.responsePayload).toMatchObject({ errorType: 'Error', errorMessage: 'no luck with in/x.jpg' });
    } finally {
      await runtime.stop();
    }
  });
});

describe('LocalRuntime shutdown and undeliverable events', () => {
  it('stops with invocations queued behind reserved concurrency: none of them starts an execution environment', async () => {
    const dir = writeTinyAssembly({
      functions: [
        {
          logicalId: 'Direct',
          source: `exports.handler = async () => { await new Promise((r) => setTimeout(r, 30000)); };`,
          timeout: 60,
          reservedConcurrency: 1,
          environment: directEnvironment(),
        },
      ],
      resources: directNotificationResources('Direct'),
    });
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir, asyncRetryDelaysMs: [50] });
    const host = runtime.hosts.get('Tiny-Direct')!;
    try {
      await Promise.all(['a.jpg', 'b.jpg', 'c.jpg'].map((name) => runtime.upload(runtime.pipeline('image')!, name, Buffer.from(name))));
      await vi.waitFor(() => expect(host.instanceCount).toBe(1));
      await vi.waitFor(() => expect(runtime.tasks.all()).toHaveLength(3));
    } finally {
      await runtime.stop(100);
    }
    // The queued invocations got the freed slot after stop(): they failed instead of starting environments.
    // (The running one was cut short: an exit or init error, depending on how far it had got.)
    await vi.waitFor(() => expect(runtime.tasks.all().every((r) => r.outcome === 'failed')).toBe(true));
    expect(runtime.tasks.all().filter((r) => r.error?.errorType === 'Runtime.Stopping')).toHaveLength(2);
    expect(host.instanceCount).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(host.instanceCount).toBe(0);
  });

  it('fails the task of an upload whose event cannot be described (HEAD fails), instead of never starting it', async () => {
    const dir = writeTinyAssembly({
      functions: [{ logicalId: 'Worker', source: ECHO_HANDLER, environment: pipelineEnvironment() }],
      resources: queuePipelineResources({ functionLogicalId: 'Worker' }),
    });
    const errors: Error[] = [];
    const runtime = await LocalRuntime.start({ assemblyDirectory: dir, onError: (e) => errors.push(e) });
    try {
      const send = runtime.s3.send.bind(runtime.s3);
      vi.spyOn(runtime.s3, 'send').mockImplementation(((command: unknown, ...rest: unknown[]) => {
        if (command instanceof HeadObjectCommand) return Promise.reject(Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' }));
        return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      }) as typeof runtime.s3.send);
      const task = await (await runtime.upload(runtime.pipeline('image')!, 'x.jpg', Buffer.from('x'))).done;
      expect(task).toMatchObject({ status: 'failed', end: 'undeliverable', error: { code: 'NOTIFICATION_FAILED' } });
      expect(task.error!.message).toMatch(/internal error/);
      expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/Delivering the ObjectCreated:Put event of s3:\/\/tiny-ingest\/uploads\/x\.jpg failed/)]);
    } finally {
      vi.restoreAllMocks();
      await runtime.stop();
    }
  });
});
