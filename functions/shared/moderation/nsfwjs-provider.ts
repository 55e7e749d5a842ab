import type { ImageModel } from '../model/image-model.ts';
import { rankLabels } from '../model/image-model.ts';
import { ModelInputError } from '../model/preprocess.ts';
import { ModerationErrorCode, moderationError } from './errors.ts';
import type { Frame, FrameClassification, ModerationProvider } from './provider.ts';

export interface NsfwjsProviderOptions {
  /** The loaded model (defaultImageModel() for the packaged nsfwjs MobileNetV2). */
  readonly model: ImageModel;
  readonly minConfidence: number;
  /** Frames per model batch: bounds the memory one batch of activations needs. */
  readonly batchSize: number;
}

/** Moderation on the local model: frames in batches, labels from its probabilities. */
export function nsfwjsProvider(options: NsfwjsProviderOptions): ModerationProvider {
  const { model } = options;
  return {
    name: 'nsfwjs',
    model: { name: model.name, version: model.version, sha256: model.sha256 },
    async classify(frames: readonly Frame[]): Promise<FrameClassification[]> {
      const results: FrameClassification[] = [];
      for (let start = 0; start < frames.length; start += options.batchSize) {
        const chunk = frames.slice(start, start + options.batchSize);
        const inputs = await Promise.all(chunk.map((frame) => preprocessFrame(model, frame)));
        const rows = await model.predict(inputs);
        rows.forEach((row, i) =>
          results.push({ timestampMs: chunk[i]!.timestampMs, labels: rankLabels(model.labels, row).filter((l) => l.score >= options.minConfidence) }),
        );
      }
      return results;
    },
  };
}

async function preprocessFrame(model: ImageModel, frame: Frame) {
  try {
    return await model.preprocess(frame.jpeg);
  } catch (error) {
    if (!(error instanceof ModelInputError)) throw error;
    throw moderationError(
      ModerationErrorCode.VIDEO_MODERATION_FRAME_UNREADABLE,
      `Frame at ${frame.timestampMs} ms could not be read for moderation: ${error.message}`,
      { timestampMs: frame.timestampMs, problem: error.problem, ...error.details },
      error,
    );
  }
}
