import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EnvName } from '../../functions/shared/env-names.ts';
import { IMAGE_ERROR_CODES } from '../../functions/image-transcode/error-codes.ts';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { parsePipelineContract } from '../../functions/shared/pipeline-contract.ts';
import { resources, synthKit } from './synth.ts';

// The image pipeline alone: other pipelines of 'all' (inference, …) have their own wiring tests.
const { template, stack } = synthKit('all', { pipelines: { inference: null } });
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const ingestId = logicalId(stack.storage.ingestBucket);
const resultsId = logicalId(stack.storage.resultsBucket);
const logsId = logicalId(stack.storage.accessLogsBucket);

describe('buckets', () => {
  const buckets = resources(template, 'AWS::S3::Bucket');

  it('are exactly ingest, results and access logs', () => {
    expect(Object.keys(buckets).sort()).toEqual([ingestId, resultsId, logsId].sort());
  });

  it.each(Object.keys(buckets))('%s blocks public access, encrypts and disables ACLs', (id) => {
    expect(buckets[id]!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it.each(Object.keys(buckets))('%s refuses non-TLS and pre-1.2 TLS requests', (id) => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('versions results and expires overwritten versions', () => {
    expect(buckets[resultsId]!.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(buckets[resultsId]!.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' })]),
    );
  });

  it('aborts incomplete multipart uploads everywhere and expires access logs', () => {
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
        expect.arrayContaining([expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })]),
      );
    }
    expect(buckets[logsId]!.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 90 })]),
    );
  });

  it('logs ingest and results access to the log bucket', () => {
    for (const id of [ingestId, resultsId]) {
      expect(buckets[id]!.Properties.LoggingConfiguration).toMatchObject({ DestinationBucketName: { Ref: logsId } });
    }
    expect(buckets[logsId]!.Properties.LoggingConfiguration).toBeUndefined();
  });

  it('are retained when the stack is deleted', () => {
    for (const id of Object.keys(buckets)) {
      expect(template.toJSON().Resources[id].DeletionPolicy).toBe('Retain');
    }
  });
});

describe('image pipeline wiring', () => {
  const fn = Object.values(resources(template, 'AWS::Lambda::Function')).find((f) =>
    String(f.Properties.Environment?.Variables?.[EnvName.PIPELINE_CONTRACT] ?? '').includes('"id":"image"'),
  )!;
  const queueWorker = stack.imagePipeline!.queueWorker.workQueue;
  const queueId = stack.getLogicalId(queueWorker.queue.node.defaultChild as never);
  const dlqId = stack.getLogicalId(queueWorker.deadLetterQueue.node.defaultChild as never);

  it('runs on the pinned latest Node.js runtime with tracing, JSON logs and its own log group', () => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      MemorySize: 2048,
      Timeout: 60,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('passes settings the handler accepts and the Powertools environment', () => {
    const env = fn.Properties.Environment.Variables;
    expect(env).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'image',
      NODE_OPTIONS: '--enable-source-maps',
      [EnvName.RESULTS_BUCKET]: { Ref: resultsId },
      [EnvName.WORK_QUEUE_URL]: { Ref: queueId },
      // (60 s − 6 s reserve) / 5 records.
      [EnvName.TIME_BUDGET_MS]: '10800',
    });
    expect(parsePipelineContract(env[EnvName.PIPELINE_CONTRACT], 'PIPELINE_CONTRACT')).toEqual({
      id: 'image',
      ingestPrefix: 'uploads/',
      outputPrefix: 'image/',
      resultDocument: 'manifest.json',
      errorCodes: [...IMAGE_ERROR_CODES].sort(),
      acceptsJsonTasks: false,
    });
    const settings = transcodeOptionsSchema.parse(JSON.parse(env[EnvName.PIPELINE_SETTINGS]));
    expect(settings.renditions.map((r) => r.name)).toEqual(['thumbnail', 'medium', 'large']);
  });

  it('queues uploads under uploads/ only', () => {
    // Other pipelines of the preset (settlement: battles/, video: videos/) have their own queue configurations.
    const [notifications] = Object.values(resources(template, 'Custom::S3BucketNotifications')).filter((n) => JSON.stringify(n.Properties.BucketName) === JSON.stringify({ Ref: ingestId }));
    const configs = (notifications!.Properties.NotificationConfiguration.QueueConfigurations as { QueueArn: unknown }[]).filter(
      (c) => JSON.stringify(c.QueueArn) === JSON.stringify({ 'Fn::GetAtt': [queueId, 'Arn'] }),
    );
    expect(configs).toEqual([
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
        QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      },
    ]);
  });

  it('never queues results-bucket events, so outputs cannot re-trigger a pipeline; they go to EventBridge', () => {
    const byBucket = Object.fromEntries(
      Object.values(resources(template, 'Custom::S3BucketNotifications')).map((n) => [n.Properties.BucketName.Ref, n.Properties.NotificationConfiguration]),
    );
    expect(Object.keys(byBucket).sort()).toEqual([ingestId, resultsId].sort());
    expect(byBucket[resultsId]).toEqual({ EventBridgeConfiguration: {} });
    expect(byBucket[ingestId].EventBridgeConfiguration).toBeUndefined();
  });

  it('derives the visibility timeout (6 x function timeout) and dead-letters after 3 receives', () => {
    const queues = resources(template, 'AWS::SQS::Queue');
    expect(queues[queueId]!.Properties).toMatchObject({
      VisibilityTimeout: 360,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 3 },
    });
    expect(queues[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('refuses non-TLS access to both queues', () => {
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('alarms on the first dead letter', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('polls with batching, flow control and partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 10 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('grants exactly: read uploads/*, list both buckets (404, not 403, for a missing key), get/put/delete under image/* and failures/uploads/*, send to its own queue', () => {
    const role = stack.imagePipeline!.worker.role;
    const roleId = stack.getLogicalId(role.node.defaultChild as never);
    const statements = Object.values(resources(template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, any>[]);
    const name = (resource: any): string => {
      if (resource['Fn::GetAtt']) return resource['Fn::GetAtt'][0];
      const [head, tail] = resource['Fn::Join'][1];
      return `${head['Fn::GetAtt'][0]}${tail}`;
    };
    const s3Grants = statements.flatMap((s) =>
      [s.Action]
        .flat()
        .filter((action: string) => action.startsWith('s3:'))
        .flatMap((action: string) => [s.Resource].flat().map((r) => `${action} ${name(r)}`)),
    );
    expect(s3Grants.sort()).toEqual(
      [
        `s3:GetObject ${ingestId}/uploads/*`,
        `s3:ListBucket ${ingestId}`,
        `s3:ListBucket ${resultsId}`,
        `s3:GetObject ${resultsId}/image/*`,
        `s3:PutObject ${resultsId}/image/*`,
        `s3:DeleteObject ${resultsId}/image/*`,
        `s3:GetObject ${resultsId}/failures/uploads/*`,
        `s3:PutObject ${resultsId}/failures/uploads/*`,
        `s3:DeleteObject ${resultsId}/failures/uploads/*`,
      ].sort(),
    );
    // Deferred records go back to its own work queue, nowhere else.
    const sends = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('sqs:Send')));
    expect(sends.map((s) => [s.Action, s.Resource])).toEqual([['sqs:SendMessage', { 'Fn::GetAtt': [queueId, 'Arn'] }]]);
    for (const s of statements) {
      if (s.Resource === '*') expect([s.Action].flat().every((a: string) => a.startsWith('xray:'))).toBe(true);
    }
  });

  it('lets the function write logs only to its own log group', () => {
    const logGroupId = stack.getLogicalId(stack.imagePipeline!.worker.logGroup.node.defaultChild as never);
    const roleId = stack.getLogicalId(stack.imagePipeline!.worker.role.node.defaultChild as never);
    const statements = Object.values(resources(template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);
    const logs = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('logs:')));
    expect(logs.map((s) => [s.Action, s.Resource])).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [logGroupId, 'Arn'] }],
    ]);
  });
});

describe('config reaches the template', () => {
  it('arm64 and custom sizing', () => {
    const { template: t } = synthKit('entertainment', {
      architecture: 'arm64',
      pipelines: { image: { memorySize: 3008, timeoutSeconds: 120, maxReceiveCount: 5, maxConcurrency: 50 } },
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['arm64'], MemorySize: 3008, Timeout: 120, Runtime: 'nodejs24.x' });
    t.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 720, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 50 } });
  });

  it('a config without pipelines still deploys its storage', () => {
    // Every preset has a pipeline now: remove the ai preset's one.
    const { template: t } = synthKit('ai', { pipelines: { inference: null } });
    t.resourceCountIs('AWS::S3::Bucket', 3);
    t.resourceCountIs('AWS::SQS::Queue', 0);
    // The only function is CDK's deploy-time handler that turns on the results bucket's EventBridge events.
    const functions = Object.values(resources(t, 'AWS::Lambda::Function'));
    expect(functions.map((f) => f.Properties.Description)).toEqual([expect.stringContaining('Custom::S3BucketNotifications')]);
  });
});

describe('handler settings come from the whole settings schema', () => {
  it('every transcode option a config sets reaches the handler, none copied by hand', () => {
    const override = {
      renditions: [{ name: 'only', width: 100, format: 'avif', quality: 50, fit: 'cover', height: 100, enlarge: true }],
      limits: { maxInputPixels: 1234, maxInputBytes: 5678, maxOutputDimension: 999, maxFrames: 7 },
      stripMetadata: false,
      background: '#123456',
      animated: false,
      inputFormats: ['png'],
    };
    // A test of the test: it must name every option the schema has, or it proves nothing.
    expect(Object.keys(override).sort()).toEqual(Object.keys(transcodeOptionsSchema.shape).sort());
    const { template: t, stack: s } = synthKit('all', { pipelines: { image: override } });
    const env = Object.values(resources(t, 'AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.[EnvName.PIPELINE_SETTINGS])!
      .Properties.Environment.Variables;
    expect(JSON.parse(env[EnvName.PIPELINE_SETTINGS])).toEqual(transcodeOptionsSchema.parse(override));
    expect(s.imagePipeline!.settings).toEqual(transcodeOptionsSchema.parse(override));
  });
});
