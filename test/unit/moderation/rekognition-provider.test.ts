import { DetectModerationLabelsCommand, InvalidImageFormatException, RekognitionClient, ThrottlingException } from '@aws-sdk/client-rekognition';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { isPermanentError } from '../../../functions/shared/errors.ts';
import { DEFAULT_LABEL_THRESHOLDS, ModerationErrorCode, moderationReport } from '../../../functions/shared/moderation/index.ts';
import { rekognitionProvider } from '../../../functions/shared/moderation/rekognition-provider.ts';

const rekognition = mockClient(RekognitionClient);
const client = new RekognitionClient({ region: 'us-east-1' });
const frames = [0, 500, 1000, 1500].map((timestampMs) => ({ timestampMs, jpeg: new Uint8Array([0xff, 0xd8, 0xff, timestampMs % 256]) }));

beforeEach(() => rekognition.reset());

describe('the Rekognition moderation provider', () => {
  it('sends each frame with MinConfidence in percent and maps labels to 0..1 scores with parents', async () => {
    rekognition.on(DetectModerationLabelsCommand).callsFake((input: { Image: { Bytes: Uint8Array } }) => {
      const t = input.Image.Bytes[3]!;
      return {
        ModerationModelVersion: '7.0',
        ModerationLabels:
          t === 500 % 256
            ? [
                { Name: 'Violence', Confidence: 95.5, ParentName: '' },
                { Name: 'Graphic Violence', Confidence: 93.25, ParentName: 'Violence' },
              ]
            : [],
      };
    });
    const provider = rekognitionProvider({ client, minConfidence: 0.8, concurrency: 2 });
    const results = await provider.classify(frames);
    const calls = rekognition.commandCalls(DetectModerationLabelsCommand);
    expect(calls).toHaveLength(4);
    expect(calls.every((c) => c.args[0].input.MinConfidence === 80)).toBe(true);
    expect(results.map((r) => r.timestampMs)).toEqual([0, 500, 1000, 1500]);
    expect(results[1]!.labels).toEqual([
      { label: 'Violence', score: 0.955 },
      { label: 'Graphic Violence', score: 0.9325, parent: 'Violence' },
    ]);
    expect(provider.modelVersion).toBe('7.0');
    expect(provider.model).toBeUndefined();
    const report = moderationReport({ provider, frames: results, thresholds: DEFAULT_LABEL_THRESHOLDS.rekognition, segmentGapMs: 1000, maxEvidenceFrames: 5 });
    expect(report.verdict).toBe('block');
    expect(report.segments.map((s) => s.label)).toEqual(['Graphic Violence', 'Violence']);
  });

  it('turns a frame Rekognition rejects into a permanent VIDEO_MODERATION_FRAME_REJECTED', async () => {
    rekognition.on(DetectModerationLabelsCommand).rejects(new InvalidImageFormatException({ message: 'Request has invalid image format', $metadata: {} }));
    const error = await rekognitionProvider({ client, minConfidence: 0.5, concurrency: 1 }).classify(frames.slice(0, 1)).catch((e: unknown) => e);
    expect(isPermanentError(error)).toBe(true);
    expect(error).toMatchObject({ code: ModerationErrorCode.VIDEO_MODERATION_FRAME_REJECTED, details: { timestampMs: 0, awsError: 'InvalidImageFormatException' } });
  });

  it('lets throttling through as it is, so the worker retries the object', async () => {
    rekognition.on(DetectModerationLabelsCommand).rejects(new ThrottlingException({ message: 'Slow down', $metadata: {} }));
    const error = await rekognitionProvider({ client, minConfidence: 0.5, concurrency: 4 }).classify(frames).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(isPermanentError(error)).toBe(false);
  });

  it('refuses a frame over the 5 MB inline limit without calling the service', async () => {
    const error = await rekognitionProvider({ client, minConfidence: 0.5, concurrency: 1 }).classify([{ timestampMs: 42, jpeg: new Uint8Array(5 * 1024 * 1024 + 1) }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ModerationErrorCode.VIDEO_MODERATION_FRAME_REJECTED, details: { timestampMs: 42 } });
    expect(rekognition.commandCalls(DetectModerationLabelsCommand)).toHaveLength(0);
  });
});
