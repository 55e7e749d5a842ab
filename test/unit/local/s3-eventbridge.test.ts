import { afterAll, describe, expect, it } from 'vitest';
import { loadAssembly } from '../../../lib/local/assembly/load-assembly.ts';
import { readEventBridgeBuckets } from '../../../lib/local/notifications/notification-rules.ts';
import { s3EventBridgeEntry } from '../../../lib/local/notifications/s3-eventbridge-event.ts';
import { ResourceIndex } from '../../../lib/local/resources/resource-index.ts';
import { removeTempDirs, writeTinyAssembly } from './fixtures/tiny-assembly.ts';

afterAll(removeTempDirs);

describe('S3 events for EventBridge', () => {
  const base = { bucket: 'b', key: 'reports/a b+ü.json', size: 42, eTag: 'abc', sequencer: '0000019A3F00AB', time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)) };

  it("carry the key as is, S3's reason and a lowercase sequencer", () => {
    const entry = s3EventBridgeEntry({ ...base, eventName: 'ObjectCreated:CompleteMultipartUpload' }, '000000000000');
    expect(entry).toMatchObject({ Source: 'aws.s3', DetailType: 'Object Created', Resources: ['arn:aws:s3:::b'], Time: base.time.getTime() / 1000 });
    expect(JSON.parse(entry.Detail)).toEqual({
      version: '0',
      bucket: { name: 'b' },
      object: { key: 'reports/a b+ü.json', size: 42, etag: 'abc', sequencer: '0000019a3f00ab' },
      'request-id': '0000019A3F00AB',
      requester: '000000000000',
      'source-ip-address': '127.0.0.1',
      reason: 'CompleteMultipartUpload',
    });
  });

  it('describe deletions without size or ETag', () => {
    const entry = s3EventBridgeEntry({ ...base, eventName: 'ObjectRemoved:Delete', size: 0, eTag: '' }, '000000000000');
    expect(entry.DetailType).toBe('Object Deleted');
    expect(JSON.parse(entry.Detail)).toMatchObject({ object: { key: base.key, sequencer: '0000019a3f00ab' }, reason: 'DeleteObject', 'deletion-type': 'Permanently Deleted' });
    expect(JSON.parse(entry.Detail).object).not.toHaveProperty('size');
  });

  it('come from buckets that enable EventBridge on the bucket or through CDK’s notifications resource', () => {
    const dir = writeTinyAssembly({
      functions: [],
      resources: {
        On: { Type: 'AWS::S3::Bucket', Properties: { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } } },
        Off: { Type: 'AWS::S3::Bucket', Properties: { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: false } } } },
        Plain: { Type: 'AWS::S3::Bucket', Properties: {} },
        ViaCdk: { Type: 'AWS::S3::Bucket', Properties: {} },
        ViaCdkNotifications: { Type: 'Custom::S3BucketNotifications', Properties: { ServiceToken: 'arn:x', BucketName: { Ref: 'ViaCdk' }, NotificationConfiguration: { EventBridgeConfiguration: {} } } },
      },
    });
    const index = new ResourceIndex(loadAssembly(dir), { region: 'us-east-1', accountId: '000000000000', sqsPort: 1 });
    expect([...readEventBridgeBuckets(index)].sort()).toEqual(['tiny-on', 'tiny-viacdk']);
  });
});
