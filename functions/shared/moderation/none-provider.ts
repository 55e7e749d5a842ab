import type { Frame, FrameClassification, ModerationProvider } from './provider.ts';

/** No moderation: every frame unlabelled, so every video is allowed. For pipelines that only capture. */
export function noModerationProvider(): ModerationProvider {
  return {
    name: 'none',
    classify: async (frames: readonly Frame[]): Promise<FrameClassification[]> => frames.map((frame) => ({ timestampMs: frame.timestampMs, labels: [] })),
  };
}
