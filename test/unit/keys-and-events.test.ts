import { describe, expect, it } from 'vitest';
import { ErrorCode, isPermanentError } from '../../functions/shared/errors.ts';
import { compareSequencers, decodeS3Key, encodeS3Key, failureRecordKey } from '../../functions/shared/keys.ts';
import { definePipelineContract, outputFolderOf, resultKeyOf } from '../../functions/shared/pipeline-contract.ts';
import { MalformedEventError, objectsFromMessageBody } from '../../functions/shared/s3-event.ts';

describe('S3 event keys', () => {
  it.each([
    ['uploads/my+photo.jpg', 'uploads/my photo.jpg'],
    ['uploads/a%2Bb.jpg', 'uploads/a+b.jpg'],
    ['uploads/%E7%8C%AB+%F0%9F%90%88.png', 'uploads/猫 🐈.png'],
    ['uploads/100%25+done.jpg', 'uploads/100% done.jpg'],
  ])('decodes %s', (encoded, decoded) => {
    expect(decodeS3Key(encoded)).toBe(decoded);
  });

  it.each(['uploads/my photo.jpg', 'uploads/a+b (1).jpg', "uploads/猫 🐈's.png", 'uploads/100% done!.jpg'])(
    'round-trips %s through S3 encoding',
    (key) => {
      const encoded = encodeS3Key(key);
      expect(encoded).not.toContain(' ');
      expect(decodeS3Key(encoded)).toBe(key);
    },
  );

  it('encodes spaces as + and keeps slashes, like S3', () => {
    expect(encodeS3Key('uploads/a b/c+d.jpg')).toBe('uploads/a+b/c%2Bd.jpg');
  });
});

describe('key layout', () => {
  const contract = definePipelineContract({ id: 'image', ingestPrefix: 'uploads/', outputPrefix: 'image/', resultDocument: 'manifest.json', errorCodes: ['IMAGE_CORRUPT'] });
  it('puts outputs under the output prefix, keeping the source name and extension', () => {
    expect(outputFolderOf(contract, 'uploads/shows/ep1.jpg')).toBe('image/shows/ep1.jpg/');
    expect(resultKeyOf(contract, 'uploads/shows/ep1.jpg')).toBe('image/shows/ep1.jpg/manifest.json');
  });
  it('orders S3 sequencers as S3 documents them: left-padded hex', () => {
    expect(compareSequencers('0A', '0B')).toBeLessThan(0);
    expect(compareSequencers('FF', '0100')).toBeLessThan(0);
    expect(compareSequencers('00ab', 'AB')).toBe(0);
    expect(compareSequencers('0062E99A88DC407460', '0062E99A88DC407461')).toBeLessThan(0);
  });
  it('files failures under failures/<input key>.json', () => {
    expect(failureRecordKey('uploads/x.jpg')).toBe('failures/uploads/x.jpg.json');
  });
});

describe('objectsFromMessageBody', () => {
  const event = (key: string) =>
    JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'ingest' }, object: { key, size: 12, eTag: 'abc', sequencer: '01' } },
        },
      ],
    });

  it('returns the decoded objects of an S3 event', () => {
    expect(objectsFromMessageBody(event('uploads/a+b%2B.jpg'))).toEqual([
      { bucket: 'ingest', key: 'uploads/a b+.jpg', size: 12, eTag: 'abc', sequencer: '01', eventName: 'ObjectCreated:Put' },
    ]);
  });

  it("yields nothing for S3's test event", () => {
    expect(objectsFromMessageBody(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'ingest' }))).toEqual([]);
  });

  it.each(['not json', '{"hello":1}', '{"Records":[{"s3":{}}]}', '{"Records":[{"eventSource":"aws:sns","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}'])(
    'rejects %s as EVENT_MALFORMED, an error that is retried (not permanent): it must reach the DLQ',
    (body) => {
      let caught: unknown;
      try {
        objectsFromMessageBody(body);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(MalformedEventError);
      expect(isPermanentError(caught)).toBe(false);
      expect((caught as MalformedEventError).code).toBe(ErrorCode.EVENT_MALFORMED);
    },
  );
});
