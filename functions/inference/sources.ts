import type { S3Client } from '@aws-sdk/client-s3';
import { isPermanentError, SharedErrorCode } from '../shared/errors.ts';
import { readObject } from '../shared/s3-io.ts';
import type { ModelSpec } from '../shared/model/model-spec.ts';
import type { ImageEntry } from './core.ts';
import { InferenceErrorCode, inferenceError } from './errors.ts';
import type { ConfiguredModel } from './options.ts';

/**
 * The inference handler's reads: a manifest's images (unpinned, each bounded, a missing one a
 * per-image failure) and a bring-your-own model's files. The handler stays a few lines of wiring.
 */

export function imageTooLarge(key: string, bytes: number, maxImageBytes: number) {
  return inferenceError(InferenceErrorCode.INFERENCE_IMAGE_TOO_LARGE, `${key}: ${bytes} bytes, over the ${maxImageBytes} byte limit per image`, {
    key,
    bytes,
    maxImageBytes,
  });
}

/**
 * Refuses a manifest naming a key the pipeline may not read: only the ingest prefix and the
 * configured manifestImagePrefixes are granted, so a manifest cannot be a way to read other objects.
 */
export function assertAllowedImageKeys(keys: readonly string[], allowedPrefixes: readonly string[]): void {
  for (const [i, key] of keys.entries()) {
    if (!allowedPrefixes.some((prefix) => key.startsWith(prefix)) || key.split('/').includes('..')) {
      throw inferenceError(
        InferenceErrorCode.INFERENCE_MANIFEST_INVALID,
        `Job manifest is invalid at images[${i}]: '${key}' is not under ${allowedPrefixes.map((p) => `'${p}'`).join(' or ')}`,
        { path: `images[${i}]`, key, allowedPrefixes },
      );
    }
  }
}

/** Reads each named image of the ingest bucket; what cannot be read for the image's own reasons becomes its entry's error. */
export async function readManifestImages(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
  options: { readonly maxImageBytes: number; readonly signal?: AbortSignal; readonly concurrency?: number },
): Promise<ImageEntry[]> {
  const entries = new Array<ImageEntry>(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      const key = keys[index]!;
      try {
        const bytes = await readObject(s3, { bucket, key }, {
          maxBytes: options.maxImageBytes,
          tooLarge: (size) => imageTooLarge(key, size, options.maxImageBytes),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        entries[index] = { key, bytes };
      } catch (error) {
        if (!isPermanentError(error)) throw error;
        if (error.code === SharedErrorCode.SOURCE_NOT_FOUND) {
          entries[index] = { key, error: { code: InferenceErrorCode.INFERENCE_SOURCE_NOT_FOUND, message: `Image '${key}' does not exist`, details: { key } } };
        } else if (error.code === InferenceErrorCode.INFERENCE_IMAGE_TOO_LARGE) {
          entries[index] = { key, error: { code: error.code, message: error.message, details: error.details } };
        } else {
          throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, keys.length) }, worker));
  return entries;
}

/** A model file over this is refused: no configured tfjs image classifier comes near it. */
const MAX_MODEL_FILE_BYTES = 512 * 1024 * 1024;

/** Where one file of a configured model is: its `keys` entry, or beside model.json under its `prefix`. */
export function modelFileKey(model: Pick<ConfiguredModel, 'name' | 'prefix' | 'keys'>, fileName: string): string {
  if (model.keys) {
    const key = model.keys[fileName];
    if (key === undefined) {
      throw inferenceError(InferenceErrorCode.INFERENCE_MODEL_INVALID, `Model '${model.name}' names weight file '${fileName}', which its configured keys do not list`, {
        model: model.name,
        file: fileName,
      });
    }
    return key;
  }
  return `${model.prefix}${fileName}`;
}

/** Reads configured models' files from the models bucket; a missing file is the configuration's fault (permanent). */
export function modelFileReader(s3: S3Client, bucket: string, models: readonly ConfiguredModel[]) {
  return async (spec: ModelSpec, fileName: string): Promise<Uint8Array> => {
    const model = models.find((m) => m.name === spec.name);
    if (!model) throw new Error(`Model '${spec.name}' is not configured`);
    const key = modelFileKey(model, fileName);
    try {
      return await readObject(s3, { bucket, key }, {
        maxBytes: MAX_MODEL_FILE_BYTES,
        tooLarge: (bytes) => inferenceError(InferenceErrorCode.INFERENCE_MODEL_INVALID, `Model file s3://${bucket}/${key} is ${bytes} bytes, over ${MAX_MODEL_FILE_BYTES}`, { key, bytes }),
      });
    } catch (error) {
      if (isPermanentError(error) && error.code === SharedErrorCode.SOURCE_NOT_FOUND) {
        throw inferenceError(InferenceErrorCode.INFERENCE_MODEL_INVALID, `Model '${spec.name}': s3://${bucket}/${key} does not exist`, { model: spec.name, bucket, key }, error);
      }
      throw error;
    }
  };
}
