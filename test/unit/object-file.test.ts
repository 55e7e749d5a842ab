import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../functions/shared/errors.ts';
import { withObjectFile } from '../../functions/shared/object-file.ts';

const s3 = mockClient(S3Client);
const tooLarge = (bytes: number) => new PermanentError('THING_TOO_LARGE', `${bytes} bytes is too many`, { bytes });
const ref = { bucket: 'ingest', key: 'videos/my clip.mp4', eTag: 'abc' };

/** A body that arrives in chunks, as an HTTP response does. */
function streamed(chunks: number, size: number) {
  return Readable.from(Array.from({ length: chunks }, (_, i) => Buffer.alloc(size, i))) as never;
}

beforeEach(() => s3.reset());

describe('withObjectFile', () => {
  it('streams the pinned object to a temp file, hands it over, and removes it afterwards', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: 4 * 1024, ContentType: 'video/mp4', ETag: '"abc"', Body: streamed(4, 1024) });
    let seen = '';
    const bytes = await withObjectFile(s3 as unknown as S3Client, ref, { maxBytes: 1_000_000, tooLarge }, async (path, head) => {
      seen = path;
      expect(head).toEqual({ bytes: 4096, contentType: 'video/mp4', eTag: 'abc' });
      expect(path.endsWith('my_clip.mp4')).toBe(true);
      return readFileSync(path).length;
    });
    expect(bytes).toBe(4096);
    expect(existsSync(dirname(seen))).toBe(false);
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'ingest', Key: ref.key, IfMatch: '"abc"' });
  });

  it('enforces the size limit while streaming, whatever Content-Length claimed, and cleans up', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: 10, Body: streamed(8, 1024) });
    let called = false;
    await expect(
      withObjectFile(s3 as unknown as S3Client, ref, { maxBytes: 3000, tooLarge }, async () => {
        called = true;
      }),
    ).rejects.toMatchObject({ code: 'THING_TOO_LARGE' });
    expect(called).toBe(false);
  });

  it('refuses an object Content-Length already puts over the limit, before reading it', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: 5_000, Body: streamed(5, 1000) });
    await expect(withObjectFile(s3 as unknown as S3Client, ref, { maxBytes: 4_000, tooLarge }, async () => 1)).rejects.toMatchObject({
      code: 'THING_TOO_LARGE',
      details: { bytes: 5_000 },
    });
  });

  it('removes the file when the work fails', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: 1024, Body: streamed(1, 1024) });
    let seen = '';
    await expect(
      withObjectFile(s3 as unknown as S3Client, ref, { maxBytes: 1_000_000, tooLarge }, async (path) => {
        seen = path;
        throw new Error('ffmpeg crashed');
      }),
    ).rejects.toThrow('ffmpeg crashed');
    expect(existsSync(seen)).toBe(false);
  });
});
