import { createS3Client } from '../shared/aws-clients.ts';
import { ErrorCode, PermanentError } from '../shared/errors.ts';
import { createQueueWorkerHandler } from '../shared/queue-worker.ts';
import { readObject, writeJson, writeObject } from '../shared/s3-io.ts';
import { loadSettings } from '../shared/settings.ts';
import { transcode } from './core.ts';
import { buildManifest, manifestKey } from './manifest.ts';
import { transcodeOptionsSchema } from './options.ts';

const settings = loadSettings(transcodeOptionsSchema);
const s3 = createS3Client();
const { limits } = settings.pipeline;

export const handler = createQueueWorkerHandler({
  pipeline: 'image',
  settings,
  s3,
  resultKey: (object) => manifestKey(object.key, settings),
  async processObject(object) {
    const input = await readObject(s3, object, limits.maxInputBytes, (bytes) =>
      new PermanentError(ErrorCode.IMAGE_TOO_LARGE, `The input is ${bytes} bytes, over the ${limits.maxInputBytes} byte limit`, {
        bytes,
        maxInputBytes: limits.maxInputBytes,
      }),
    );
    const result = await transcode(input, settings.pipeline);
    const manifest = buildManifest(object, result, settings);
    await Promise.all(
      result.renditions.map((rendition, i) =>
        writeObject(s3, settings.resultsBucket, manifest.renditions[i]!.key, rendition.data, rendition.contentType),
      ),
    );
    await writeJson(s3, settings.resultsBucket, manifest.key, manifest);
  },
});
