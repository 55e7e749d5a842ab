import type { ModelIdentity } from '../model/image-model.ts';

/** One captured frame: JPEG bytes and where in the video it was taken. */
export interface Frame {
  readonly jpeg: Uint8Array;
  readonly timestampMs: number;
}

/** A label a provider gave a frame; score in 0..1 (Rekognition's confidence / 100). */
export interface FrameLabel {
  readonly label: string;
  readonly score: number;
  /** Rekognition's parent label (its taxonomy is hierarchical); absent for flat label sets. */
  readonly parent?: string;
}

export interface FrameClassification {
  readonly timestampMs: number;
  /** Labels at or above the provider's min confidence, highest score first. */
  readonly labels: readonly FrameLabel[];
}

/**
 * A moderation backend. `classify` answers one classification per frame, in the frames' order;
 * a provider that runs a local model reports the model's identity so every verdict can name it.
 */
export interface ModerationProvider {
  readonly name: string;
  readonly model?: ModelIdentity;
  classify(frames: readonly Frame[]): Promise<FrameClassification[]>;
}
