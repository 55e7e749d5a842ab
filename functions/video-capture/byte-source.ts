import { open, stat } from 'node:fs/promises';
import { timeoutError } from '../shared/ffmpeg/budget.ts';
import { FfmpegToolCode, FfmpegToolError } from '../shared/ffmpeg/errors.ts';

/**
 * Random access to the source's bytes for the checks that run before ffprobe (size, magic bytes,
 * MP4 box structure): a local file, or an http(s) URL read with Range requests — a presigned S3
 * GET URL, which signs GET only, so the size comes from Content-Range, not a HEAD.
 */
export interface ByteSource {
  readonly location: string;
  size(): Promise<number>;
  /** Up to `length` bytes from `offset` (fewer at the end). */
  read(offset: number, length: number): Promise<Buffer>;
}

export const isUrl = (source: string) => /^https?:\/\//i.test(source);

export function openByteSource(source: string, signal?: AbortSignal): ByteSource {
  return isUrl(source) ? urlByteSource(source, signal) : fileByteSource(source);
}

function fileByteSource(path: string): ByteSource {
  return {
    location: path,
    size: async () => (await stat(path)).size,
    read: async (offset, length) => {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}

function urlByteSource(url: string, signal?: AbortSignal): ByteSource {
  let knownSize: number | undefined;
  const redacted = url.split('?')[0]!; // never log a presigned URL's signature
  const started = performance.now();
  const get = async (offset: number, length: number): Promise<Response> => {
    try {
      return await fetch(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` }, ...(signal ? { signal } : {}) });
    } catch (cause) {
      // The object's budget ran out while the source stalled: the same verdict as a killed ffmpeg.
      if (signal?.aborted) throw timeoutError('http', started, signal.reason);
      throw new FfmpegToolError(FfmpegToolCode.FFMPEG_FAILED, `GET ${redacted} failed: ${(cause as Error).message}`, {}, { cause });
    }
  };
  const read = async (offset: number, length: number): Promise<Buffer> => {
    const response = await get(offset, length);
    if (response.status === 416) {
      // Range past the end (an empty object answers every range this way).
      knownSize = totalFromContentRange(response.headers.get('content-range')) ?? knownSize ?? offset;
      await response.body?.cancel();
      return Buffer.alloc(0);
    }
    if (response.status !== 206 && response.status !== 200) {
      await response.body?.cancel();
      throw new FfmpegToolError(FfmpegToolCode.FFMPEG_FAILED, `GET ${redacted} answered ${response.status} ${response.statusText}`, { status: response.status });
    }
    let body: Buffer;
    try {
      body = Buffer.from(await response.arrayBuffer());
    } catch (cause) {
      if (signal?.aborted) throw timeoutError('http', started, signal.reason);
      throw new FfmpegToolError(FfmpegToolCode.FFMPEG_FAILED, `GET ${redacted} broke off: ${(cause as Error).message}`, {}, { cause });
    }
    if (response.status === 200) {
      // A server without Range support sent everything.
      knownSize = body.length;
      return body.subarray(offset, offset + length);
    }
    knownSize = totalFromContentRange(response.headers.get('content-range')) ?? knownSize;
    return body;
  };
  return {
    location: redacted,
    read,
    size: async () => {
      if (knownSize === undefined) await read(0, 1);
      if (knownSize === undefined) throw new FfmpegToolError(FfmpegToolCode.FFMPEG_FAILED, `GET ${redacted} gave no object size (Content-Range)`);
      return knownSize;
    },
  };
}

function totalFromContentRange(header: string | null): number | undefined {
  const total = header && /\/(\d+)\s*$/.exec(header);
  return total ? Number(total[1]) : undefined;
}
