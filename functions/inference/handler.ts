import { createS3Client } from '../shared/aws-clients.ts';
import { logger } from '../shared/logger.ts';
import { createQueueWorkerHandler } from '../shared/queue-worker.ts';
import { readObject } from '../shared/s3-io.ts';
import { loadSettings } from '../shared/settings.ts';
import { type ImageEntry, runInference } from './core.ts';
import { InferenceErrorCode } from './errors.ts';
import { isManifestBytes, jobDocument } from './job.ts';
import { parseJobManifest } from './manifest.ts';
import { modelForJob } from './models.ts';
import { inferenceOptionsSchema } from './options.ts';
import { assertAllowedImageKeys, imageTooLarge, modelFileReader, readManifestImages } from './sources.ts';

const settings = loadSettings(inferenceOptionsSchema);
const s3 = createS3Client();
const options = settings.pipeline;
const catalog = {
  models: options.models,
  readFile: modelFileReader(s3, options.modelsBucketName ?? settings.resultsBucket, options.models),
};
const allowedImagePrefixes = [settings.contract.ingestPrefix, ...options.manifestImagePrefixes];

export const handler = createQueueWorkerHandler({
  settings,
  s3,
  timeoutCode: InferenceErrorCode.INFERENCE_PROCESSING_TIMEOUT,
  async processObject(object, work) {
    const bytes = await readObject(s3, object, {
      maxBytes: options.maxImageBytes,
      tooLarge: (size) => imageTooLarge(object.key, size, options.maxImageBytes),
      signal: work.signal,
    });
    let entries: ImageEntry[];
    let requested: { model?: string; topK?: number } = {};
    const kind = isManifestBytes(bytes) ? 'manifest' : 'image';
    if (kind === 'manifest') {
      const manifest = parseJobManifest(bytes, { maxImages: options.maxImages });
      assertAllowedImageKeys(manifest.images, allowedImagePrefixes);
      requested = manifest;
      entries = await readManifestImages(s3, object.bucket, manifest.images, { maxImageBytes: options.maxImageBytes, signal: work.signal });
    } else {
      entries = [{ key: object.key, bytes }];
    }
    // Loaded once per warm environment (cached by the model module); a hash mismatch never loads.
    const model = await work.withinBudget(modelForJob(requested.model, catalog));
    const result = await work.withinBudget(() =>
      runInference(entries, { model, topK: requested.topK ?? options.defaultTopK, maxPixels: options.maxPixels, decodeConcurrency: options.decodeConcurrency }),
    );
    await work.assertCurrent();
    if (result.status === 'partial') logger.warn('Job succeeded partially', { summary: result.summary });
    await work.writeResult(jobDocument(work.source, object, result, { kind, loadMs: model.loadMs }));
  },
});
