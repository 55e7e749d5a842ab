/**
 * The model module's contract: what the inference pipeline and the video pipeline's moderation
 * both program against. A model is identified by name, version and the sha256 of its bytes, so
 * every result can say exactly which weights produced it.
 */

export interface ModelIdentity {
  readonly name: string;
  readonly version: string;
  /** Hex sha256 over model.json's bytes followed by each weight file's bytes in manifest order. */
  readonly sha256: string;
}

/** An image decoded and scaled to the model's input: HWC float pixels, RGB, no alpha. */
export interface ModelInput {
  readonly data: Float32Array;
  readonly shape: readonly [height: number, width: number, channels: 3];
  /** The source's size as displayed (after EXIF orientation), before scaling to the input. */
  readonly source: { readonly width: number; readonly height: number; readonly format: string };
}

export type BackendName = 'wasm' | 'cpu';

export interface ImageModel extends ModelIdentity {
  readonly labels: readonly string[];
  /** Square input side in pixels (224 for MobileNetV2). */
  readonly inputSize: number;
  readonly backend: BackendName;
  /** Milliseconds spent loading (parse, hash, build the graph, warm-up prediction). */
  readonly loadMs: number;
  /**
   * Decodes untrusted image bytes into the model's input (deterministic: same bytes, same floats).
   * Throws ModelInputError (not-an-image | too-many-pixels | corrupt); `maxPixels` overrides the
   * model's source limit for this call (a pipeline's own limit).
   */
  preprocess(imageBytes: Uint8Array, options?: { maxPixels?: number }): Promise<ModelInput>;
  /**
   * Probabilities per input, one row per image, `labels.length` wide. Runs the inputs as one
   * batch (in chunks of at most `maxBatch` when larger) and disposes every tensor it made.
   */
  predict(batch: readonly ModelInput[]): Promise<Float32Array[]>;
  dispose(): void;
}

export interface LabelScore {
  readonly label: string;
  readonly score: number;
}

/** A probability row as labels sorted by descending score, cut to `topK` (all when omitted). */
export function rankLabels(labels: readonly string[], probabilities: Float32Array, topK = labels.length): LabelScore[] {
  return labels
    .map((label, i) => ({ label, score: probabilities[i] ?? 0 }))
    .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label))
    .slice(0, Math.max(0, topK));
}
