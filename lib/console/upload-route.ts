import { SNIFF_BYTES } from '../../functions/shared/sniff.ts';
import { contentTypeFor, pipelineForContent } from '../local/cli/route-by-content.ts';
import { ConsoleError, ConsoleErrorCode } from './http-io.ts';

export interface ConsoleUpload {
  readonly pipeline: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/** What the upload callback answers: the object it stored, which becomes the task's input. */
export interface UploadedObject {
  readonly bucket: string;
  readonly key: string;
}

/** Bytes a dropped file may have. */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

const FILE_NAME = /^[^/\\\u0000-\u001f\u007f]{1,200}$/;

/** A dropped file, routed by its content as `media-kit run` routes (the name is kept, never trusted for routing). */
export function routeUpload(name: string | null, bytes: Buffer, pipelines: readonly string[]): ConsoleUpload {
  if (name === null || !FILE_NAME.test(name) || name === '.' || name === '..') {
    throw new ConsoleError(400, ConsoleErrorCode.BAD_REQUEST, 'upload needs ?name= a file name of 1-200 characters without slashes or control characters');
  }
  if (bytes.length === 0) throw new ConsoleError(400, ConsoleErrorCode.BAD_REQUEST, `${name} is empty`);
  const head = bytes.subarray(0, SNIFF_BYTES);
  const pipeline = pipelineForContent(head);
  if (!pipeline) throw new ConsoleError(422, ConsoleErrorCode.UNROUTABLE, `${name}: its content is no image, video, battle log or job manifest`);
  if (!pipelines.includes(pipeline)) {
    throw new ConsoleError(422, ConsoleErrorCode.UNROUTABLE, `${name} is for the ${pipeline} pipeline, which this runtime does not run (it runs: ${pipelines.join(', ')})`);
  }
  return { pipeline, name, bytes, contentType: contentTypeFor(pipeline, head) };
}
