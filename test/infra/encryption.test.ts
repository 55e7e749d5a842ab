import { describe, expect, it } from 'vitest';
import { nagPacks } from '../../lib/app.ts';
import { loadKitConfig } from '../../lib/presets/index.ts';
import { takeInventory } from '../../lib/local/resources/inventory.ts';
import type { ResourceIndex } from '../../lib/local/resources/resource-index.ts';
import { resources, synthKit } from './synth.ts';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** `{ 'Fn::GetAtt': [<key>, 'Arn'] }` of the one key the stack creates. */
function createdKey(template: ReturnType<typeof synthKit>['template']): { id: string; arn: unknown } {
  const keys = Object.keys(resources(template, 'AWS::KMS::Key')).filter((id) => id.startsWith('Encryption'));
  expect(keys).toHaveLength(1);
  return { id: keys[0]!, arn: { 'Fn::GetAtt': [keys[0]!, 'Arn'] } };
}

describe('encryption: config', () => {
  it.each([
    [{ kms: 'alias/media' }, /encryption.kms: .*a KMS key ARN/],
    [{ kms: 'arn:aws:kms:eu-west-1:123456789012:alias/media' }, /encryption.kms/],
    [{ kms: true, rotate: false }, /encryption.rotate: unknown field/],
  ])('refuses %j with a message naming the field', (encryption, message) => {
    expect(() => loadKitConfig({ preset: 'entertainment', override: { encryption } })).toThrow(message);
  });
});

describe('encryption: off (the default)', () => {
  it('creates no data key and keeps AWS-managed encryption everywhere', () => {
    const { template } = synthKit('all');
    expect(Object.keys(resources(template, 'AWS::KMS::Key')).filter((id) => id.startsWith('Encryption'))).toEqual([]);
    for (const bucket of Object.values(resources(template, 'AWS::S3::Bucket'))) {
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    }
    for (const queue of Object.values(resources(template, 'AWS::SQS::Queue'))) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    for (const table of Object.values(resources(template, 'AWS::DynamoDB::Table'))) expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
  });
});

describe('encryption: kms true', () => {
  const { template, stack } = synthKit('all', { encryption: { kms: true } });
  const key = createdKey(template);

  it('creates one rotated, retained key', () => {
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    expect(stack.encryption?.createdKey).toBeDefined();
  });

  it('uses it for the ingest and results buckets with bucket keys; the access-log bucket stays SSE-S3 (S3 log delivery needs it)', () => {
    const buckets = Object.entries(resources(template, 'AWS::S3::Bucket'));
    expect(buckets).toHaveLength(3);
    for (const [id, bucket] of buckets) {
      const rule = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
      if (id.startsWith('StorageAccessLogs')) expect(rule.ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
      else expect(rule).toEqual({ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.arn } });
    }
  });

  it('uses it for every queue and dead-letter queue, every table and every log group', () => {
    const queues = Object.values(resources(template, 'AWS::SQS::Queue'));
    expect(queues.length).toBeGreaterThanOrEqual(10);
    for (const queue of queues) expect(queue.Properties.KmsMasterKeyId).toEqual(key.arn);
    const tables = Object.values(resources(template, 'AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(4);
    for (const table of tables) expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: key.arn });
    const logGroups = Object.values(resources(template, 'AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThanOrEqual(9);
    for (const group of logGroups) expect(group.Properties.KmsKeyId).toEqual(key.arn);
  });

  it("lets every function's role use the key only through S3, SQS and DynamoDB", () => {
    const roles = Object.keys(resources(template, 'AWS::IAM::Role')).filter((id) => !id.startsWith('BucketNotificationsHandler'));
    const policies = Object.values(resources(template, 'AWS::IAM::Policy'));
    for (const fn of Object.values(resources(template, 'AWS::Lambda::Function'))) {
      const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      if (!roles.includes(role)) continue;
      const statements = policies
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: Record<string, any> }[]);
      const keyUse = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(key.arn) && [s.Action].flat().includes('kms:GenerateDataKey'));
      expect(keyUse, role).toHaveLength(1);
      const via = keyUse[0]!.Condition!.StringEquals['kms:ViaService'] as unknown[];
      expect(JSON.stringify(via)).toMatch(/s3\..*sqs\..*dynamodb\./);
      // No role may use the key directly: every kms:* statement carries the ViaService condition.
      for (const s of statements) if ([s.Action].flat().some((a) => a.startsWith('kms:'))) expect(s.Condition, `${role}: ${JSON.stringify(s.Action)}`).toBeDefined();
    }
  });

  it('admits CloudWatch Logs, S3 notifications and EventBridge deliveries in the key policy for this account only', () => {
    const statements = resources(template, 'AWS::KMS::Key')[key.id]!.Properties.KeyPolicy.Statement as { Sid?: string; Condition?: unknown }[];
    expect(statements.find((s) => s.Sid === 'CloudWatchLogsOfThisAccount')?.Condition).toMatchObject({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': expect.anything() } });
    expect(statements.find((s) => s.Sid === 'S3NotificationsOfThisAccount')?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    // EventBridge's statement carries no source condition (none is documented for that call); the queue policies name the rule.
    expect(statements.find((s) => s.Sid === 'EventBridgeRuleDeliveries')).toMatchObject({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:GenerateDataKey', 'kms:Decrypt'] });
    // The bucket is never named in the key policy: bucket → key → bucket would be a cycle CloudFormation cannot deploy.
    expect(JSON.stringify(statements)).not.toMatch(/Bucket[0-9A-F]{8}/);
  });

  it('admits a service to a queue only with a condition naming the exact source, and to the key only with one (EventBridge aside)', () => {
    for (const [id, policy] of Object.entries(resources(template, 'AWS::SQS::QueuePolicy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as { Principal: { Service?: unknown }; Condition?: unknown }[]) {
        if (statement.Principal.Service) expect(statement.Condition, `${id}: ${JSON.stringify(statement.Principal)}`).toBeDefined();
      }
    }
    for (const statement of resources(template, 'AWS::KMS::Key')[key.id]!.Properties.KeyPolicy.Statement as { Principal: { Service?: unknown }; Condition?: unknown }[]) {
      if (statement.Principal.Service && statement.Principal.Service !== 'events.amazonaws.com') expect(statement.Condition, JSON.stringify(statement.Principal)).toBeDefined();
    }
    // Exactly one statement for EventBridge: aws-cdk-lib's unconditioned SqsQueue-target grant is not there.
    expect((resources(template, 'AWS::KMS::Key')[key.id]!.Properties.KeyPolicy.Statement as { Principal: { Service?: unknown } }[]).filter((s) => s.Principal.Service === 'events.amazonaws.com')).toHaveLength(1);
  });

  it('lets the video reviewers decrypt quarantined uploads through S3, and nothing else', () => {
    const reviewer = Object.keys(resources(template, 'AWS::IAM::Role')).find((id) => id.startsWith('VideoPipelineReviewerRole'))!;
    const policy = Object.values(resources(template, 'AWS::IAM::Policy')).find((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === reviewer))!;
    const kmsStatements = (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition?: Record<string, any> }[]).filter((st) => [st.Action].flat().some((x) => x.startsWith('kms:')));
    // Read only, through S3 only: reviewers never encrypt, and never reach the key through SQS or DynamoDB.
    expect(kmsStatements).toHaveLength(1);
    expect(kmsStatements[0]!.Action).toBe('kms:Decrypt');
    expect(JSON.stringify(kmsStatements[0]!.Condition!.StringEquals['kms:ViaService'])).toMatch(/^\[\{"Fn::Join":\["",\["s3\./);
  });

  it('stays clean under AwsSolutions and Serverless', () => {
    const { app, stack } = synthKit('all', { encryption: { kms: true } }, { nag: false });
    for (const pack of nagPacks(app)) expect(pack.validateScope(stack).violations, pack.constructor.name).toEqual([]);
  });

  it('is named once by the local runtime, which does not apply it', () => {
    const index = { stacks: [{ stackName: stack.stackName, template: template.toJSON() }] } as unknown as ResourceIndex;
    const { kmsEncrypted } = takeInventory(index);
    expect(kmsEncrypted.some((r) => r.startsWith('AWS::SQS::Queue'))).toBe(true);
    expect(kmsEncrypted.some((r) => r.startsWith('AWS::DynamoDB::Table'))).toBe(true);
    expect(takeInventory({ stacks: [{ stackName: 's', template: synthKit('entertainment').template.toJSON() }] } as unknown as ResourceIndex).kmsEncrypted).toEqual([]);
  });
});

describe('encryption: an existing key', () => {
  it('creates no key and uses the ARN everywhere encryption applies', () => {
    const { template } = synthKit('games', { encryption: { kms: KEY_ARN } });
    expect(Object.keys(resources(template, 'AWS::KMS::Key'))).toEqual([]);
    for (const queue of Object.values(resources(template, 'AWS::SQS::Queue'))) expect(queue.Properties.KmsMasterKeyId).toBe(KEY_ARN);
    for (const table of Object.values(resources(template, 'AWS::DynamoDB::Table'))) expect(table.Properties.SSESpecification.KMSMasterKeyId).toBe(KEY_ARN);
    for (const group of Object.values(resources(template, 'AWS::Logs::LogGroup'))) expect(group.Properties.KmsKeyId).toBe(KEY_ARN);
  });
});
