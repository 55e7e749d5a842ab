import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { isShowable, type ConsolePipeline } from './console-pipelines.ts';
import { ConsoleError, ConsoleErrorCode, SECURITY_HEADERS } from './http-io.ts';

/** A range of one object, as a browser's <video> asks for it. */
const RANGE = /^bytes=\d*-\d*$/;

/**
 * Streams a pipeline object through the runtime's S3 endpoint with the object's own content type.
 * Only keys under the pipelines' ingest and output prefixes; the answer is sandboxed so that even
 * an uploaded SVG or HTML file cannot run script in the console's origin.
 */
export async function sendMedia(s3: S3Client, pipelines: readonly ConsolePipeline[], bucket: string, key: string, range: string | undefined, response: ServerResponse): Promise<void> {
  if (!bucket || !key) throw new ConsoleError(400, ConsoleErrorCode.BAD_REQUEST, 'media needs bucket and key');
  if (!isShowable(pipelines, bucket, key)) throw new ConsoleError(403, ConsoleErrorCode.FORBIDDEN, `s3://${bucket}/${key} is not under a pipeline's ingest or output prefix`);
  let object;
  try {
    object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range && RANGE.test(range) ? { Range: range } : {}) }));
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') throw new ConsoleError(404, ConsoleErrorCode.NOT_FOUND, `No object s3://${bucket}/${key}`);
    throw new ConsoleError(502, ConsoleErrorCode.UPSTREAM, `S3 GetObject s3://${bucket}/${key} failed: ${(error as Error).message}`);
  }
  response.writeHead(object.ContentRange ? 206 : 200, {
    ...SECURITY_HEADERS,
    'content-security-policy': "default-src 'none'; img-src 'self'; media-src 'self'; sandbox",
    'content-type': object.ContentType ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
    ...(object.ContentLength !== undefined ? { 'content-length': String(object.ContentLength) } : {}),
    ...(object.ContentRange ? { 'content-range': object.ContentRange } : {}),
  });
  const body = object.Body as Readable | undefined;
  if (!body) {
    response.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    body.on('error', reject);
    response.on('close', () => {
      body.destroy();
      resolve();
    });
    body.pipe(response).on('finish', resolve);
  });
}
