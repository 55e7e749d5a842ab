import { createS3Client } from '../shared/aws-clients.ts';
import { ErrorCode, PermanentError } from '../shared/errors.ts';
import { createQueueWorkerHandler } from '../shared/queue-worker.ts';
import { readObject } from '../shared/s3-io.ts';
import { loadSettings } from '../shared/settings.ts';
import { transcode } from './core.ts';
import { buildManifest } from './manifest.ts';
import { transcodeOptionsSchema } from './options.ts';

const settings = loadSettings(transcodeOptionsSchema);
const s3 = createS3Client();
const { limits } = settings.pipeline;

const tooLarge = (bytes: number) =>
  new PermanentError(ErrorCode.IMAGE_TOO_LARGE, `The input is ${bytes} bytes, over the ${limits.maxInputBytes} byte limit`, {
    bytes,
    maxInputBytes: limits.maxInputBytes,
  });

export const handler = createQueueWorkerHandler({
  settings,
  s3,
  timeoutCode: ErrorCode.IMAGE_PROCESSING_TIMEOUT,
  async processObject(object, work) {
    // Images are bounded by maxInputBytes, so they stay in memory (videos stream to /tmp: withObjectFile).
    const input = await readObject(s3, object, { maxBytes: limits.maxInputBytes, tooLarge, signal: work.signal });
    // What is left of the object's budget goes to the core, which hands it to sharp's own timeout
    // (libvips itself stops); withinBudget stops waiting at the deadline whatever the core does.
    const result = await work.withinBudget(() => transcode(input, settings.pipeline, { budgetMs: Math.max(1, work.remainingMs()) }));
    await work.assertCurrent();
    const manifest = buildManifest(work.source, result, settings.contract);
    await Promise.all(result.renditions.map((rendition, i) => work.writeOutput(manifest.renditions[i]!.key, rendition.data, rendition.contentType)));
    await work.writeResult(manifest);
  },
});
