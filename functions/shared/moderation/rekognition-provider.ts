import { DetectModerationLabelsCommand, type ModerationLabel, type RekognitionClient } from '@aws-sdk/client-rekognition';
import { ModerationErrorCode, moderationError } from './errors.ts';
import type { Frame, FrameClassification, FrameLabel, ModerationProvider } from './provider.ts';

/**
 * Moderation by Amazon Rekognition DetectModerationLabels, for deployed stacks that prefer a
 * managed model. The client is passed in (the handler owns AWS clients; tests pass a mock).
 */

export interface RekognitionProviderOptions {
  readonly client: RekognitionClient;
  /** 0..1; sent as MinConfidence (percent). */
  readonly minConfidence: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
}

/** Rekognition's limit for image bytes sent inline. */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
/** Input errors: the frame, not the service, is at fault, so a retry cannot help. */
const REJECTIONS = new Set(['InvalidImageFormatException', 'ImageTooLargeException', 'InvalidParameterException']);

export interface RekognitionProvider extends ModerationProvider {
  /** ModerationModelVersion of the latest response: the managed model has no sha256 to report. */
  readonly modelVersion: string | undefined;
}

export function rekognitionProvider(options: RekognitionProviderOptions): RekognitionProvider {
  let modelVersion: string | undefined;

  async function classifyOne(frame: Frame): Promise<FrameClassification> {
    if (frame.jpeg.length > MAX_IMAGE_BYTES) {
      throw moderationError(ModerationErrorCode.VIDEO_MODERATION_FRAME_REJECTED, `Frame at ${frame.timestampMs} ms is ${frame.jpeg.length} bytes, over Rekognition's ${MAX_IMAGE_BYTES}`, {
        timestampMs: frame.timestampMs,
        bytes: frame.jpeg.length,
      });
    }
    try {
      const response = await options.client.send(new DetectModerationLabelsCommand({ Image: { Bytes: frame.jpeg }, MinConfidence: options.minConfidence * 100 }));
      modelVersion = response.ModerationModelVersion ?? modelVersion;
      return { timestampMs: frame.timestampMs, labels: toLabels(response.ModerationLabels ?? []) };
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (!REJECTIONS.has(name)) throw error; // throttling, 5xx, access: transient for the worker
      throw moderationError(ModerationErrorCode.VIDEO_MODERATION_FRAME_REJECTED, `Rekognition rejected the frame at ${frame.timestampMs} ms: ${name}: ${(error as Error).message}`, {
        timestampMs: frame.timestampMs,
        awsError: name,
      }, error);
    }
  }

  return {
    name: 'rekognition',
    get modelVersion() {
      return modelVersion;
    },
    async classify(frames: readonly Frame[]): Promise<FrameClassification[]> {
      const results = new Array<FrameClassification>(frames.length);
      let next = 0;
      const lanes = Array.from({ length: Math.min(options.concurrency, frames.length) }, async () => {
        while (next < frames.length) {
          const index = next++;
          results[index] = await classifyOne(frames[index]!);
        }
      });
      await Promise.all(lanes);
      return results;
    },
  };
}

function toLabels(labels: readonly ModerationLabel[]): FrameLabel[] {
  return labels
    .filter((l) => l.Name)
    .map((l) => ({ label: l.Name!, score: (l.Confidence ?? 0) / 100, ...(l.ParentName ? { parent: l.ParentName } : {}) }))
    .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
}
