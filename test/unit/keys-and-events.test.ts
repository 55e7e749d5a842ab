import { describe, expect, it } from 'vitest';
import { ErrorCode, PermanentError } from '../../functions/shared/errors.ts';
import { decodeS3Key, encodeS3Key, failureRecordKey, outputFolder } from '../../functions/shared/keys.ts';
import { objectsFromMessageBody } from '../../functions/shared/s3-event.ts';

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
  it('puts outputs under the output prefix, keeping the source name and extension', () => {
    expect(outputFolder('uploads/shows/ep1.jpg', 'uploads/', 'image/')).toBe('image/shows/ep1.jpg/');
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
      { bucket: 'ingest', key: 'uploads/a b+.jpg', size: 12, eTag: 'abc', versionId: undefined, eventName: 'ObjectCreated:Put' },
    ]);
  });

  it("yields nothing for S3's test event", () => {
    expect(objectsFromMessageBody(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'ingest' }))).toEqual([]);
  });

  it.each(['not json', '{"hello":1}', '{"Records":[{"s3":{}}]}'])('rejects %s as EVENT_MALFORMED', (body) => {
    let caught: unknown;
    try {
      objectsFromMessageBody(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PermanentError);
    expect((caught as PermanentError).code).toBe(ErrorCode.EVENT_MALFORMED);
  });
});
