import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { getPinnedObject, type PinnedRef, type ReadLimits } from './s3-io.ts';

/** What S3 said about the object that was streamed to disk. */
export interface ObjectFileHead {
  readonly bytes: number;
  readonly contentType?: string;
  readonly eTag?: string;
  readonly versionId?: string;
}

export interface ObjectFileOptions extends ReadLimits {
  /**
   * Directory the temp file is made under; the worker hands each object its own
   * (`work.scratchDir`) and removes it after the object, success or failure.
   * @default os.tmpdir()
   */
  readonly dir?: string;
}

/**
 * Streams an object (pinned to its event's version) to a file under /tmp, calls `use(path, head)`
 * and removes the file afterwards, whatever happens. For inputs too large to hold in memory
 * (videos): the size limit is enforced from Content-Length and again while streaming, so a body
 * longer than announced cannot fill the disk.
 *
 *   await withObjectFile(s3, object, { maxBytes, tooLarge, signal: work.signal, dir: work.scratchDir },
 *     async (path, head) => probe(path));
 */
export async function withObjectFile<T>(
  s3: S3Client,
  ref: PinnedRef,
  options: ObjectFileOptions,
  use: (path: string, head: ObjectFileHead) => Promise<T>,
): Promise<T> {
  const response = await getPinnedObject(s3, ref, options.signal);
  const announced = response.ContentLength ?? 0;
  const body = response.Body;
  if (announced > options.maxBytes) {
    if (body instanceof Readable) body.destroy();
    else await body?.transformToWebStream().cancel();
    throw options.tooLarge(announced);
  }
  const dir = await mkdtemp(join(options.dir ?? tmpdir(), 'object-'));
  try {
    const path = join(dir, safeName(ref.key));
    let bytes = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > options.maxBytes) callback(options.tooLarge(bytes));
        else callback(null, chunk);
      },
    });
    // In Node the SDK hands a Readable; anything else (a web stream in tests) is adapted.
    const source = !body ? Readable.from([]) : body instanceof Readable ? body : Readable.fromWeb(body.transformToWebStream() as never);
    await pipeline(source, limit, createWriteStream(path, { mode: 0o600 }), ...(options.signal ? [{ signal: options.signal }] : []));
    return await use(path, {
      bytes,
      ...(response.ContentType ? { contentType: response.ContentType } : {}),
      ...(response.ETag ? { eTag: response.ETag.replaceAll('"', '') } : {}),
      ...(response.VersionId ? { versionId: response.VersionId } : {}),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The key's last segment, kept for tools that look at extensions; anything odd becomes '_'. */
function safeName(key: string): string {
  const name = basename(key).replace(/[^A-Za-z0-9._-]/g, '_').slice(-100);
  return name === '' || name === '.' || name === '..' ? 'object' : name;
}
