import type { SourceIdentity } from '../shared/errors.ts';
import type { HlsResult } from '../shared/ffmpeg/hls.ts';
import type { ModelIdentity } from '../shared/model/image-model.ts';
import type { FrameLabel } from '../shared/moderation/provider.ts';
import type { EvidenceFrame, ModerationReport, Segment, StreamVerdict, Verdict } from '../shared/moderation/verdict.ts';
import type { VideoCaptureResult } from './core.ts';

/**
 * The video pipeline's result document (`report.json`, the item's `result` in `media-kit run`):
 * pure, from what the handler gathered. Keys of written objects are passed in, never derived by
 * a reader.
 */

export interface ReportFrame {
  readonly key: string;
  /** Seconds from the start, the decoded frame's own timestamp. */
  readonly timestamp: number;
  readonly timestampMs: number;
  readonly width: number;
  readonly height: number;
  readonly sharpness: number;
  /** Near-duplicates this frame stands for (dedupe): first and last timestamp, count. */
  readonly run: { readonly start: number; readonly end: number; readonly frames: number };
  /** Labels at or above the provider's min confidence, highest first. */
  readonly labels: readonly FrameLabel[];
  /** Each label's score (the same numbers, keyed), for readers that look one label up. */
  readonly scores: Readonly<Record<string, number>>;
}

export interface VideoReport {
  readonly input: SourceIdentity;
  readonly pipeline: string;
  readonly verdict: Verdict;
  readonly source: VideoCaptureResult['source'];
  readonly capture: {
    readonly strategy: VideoCaptureResult['strategy'];
    readonly capturedFrames: number;
    readonly keptFrames: number;
    readonly droppedAsDuplicates: number;
    readonly frameLimitReached: boolean;
    readonly spacingSeconds?: number;
    readonly durationMs: number;
  };
  readonly frames: readonly ReportFrame[];
  readonly segments: readonly Segment[];
  readonly moderation: {
    readonly verdict: Verdict;
    readonly provider: string;
    readonly model?: ModelIdentity;
    readonly thresholds: ModerationReport['thresholds'];
    readonly flaggedFrames: number;
    readonly maxScores: ModerationReport['maxScores'];
    readonly segments: readonly Segment[];
    readonly evidence: readonly EvidenceFrame[];
    readonly durationMs: number;
  };
  readonly hls?: { readonly masterKey: string; readonly variants: HlsResult['variants']; readonly skipped: readonly string[]; readonly files: number; readonly durationMs: number };
  readonly poster?: { readonly key: string; readonly timestamp: number; readonly width: number; readonly height: number; readonly sharpEnough: boolean };
  readonly stream?: StreamVerdict & { readonly stateKey: string };
  readonly quarantine?: { readonly bucket: string; readonly key: string; readonly taggedOriginal: boolean };
}

export interface ReportInput {
  readonly input: SourceIdentity;
  readonly pipeline: string;
  readonly capture: VideoCaptureResult;
  readonly captureMs: number;
  readonly frameKeys: readonly string[];
  readonly moderation: ModerationReport;
  readonly moderationMs: number;
  readonly labelsPerFrame: readonly (readonly FrameLabel[])[];
  readonly hls?: { readonly masterKey: string; readonly result: HlsResult; readonly durationMs: number };
  readonly poster?: VideoReport['poster'];
  readonly stream?: VideoReport['stream'];
  readonly quarantine?: VideoReport['quarantine'];
}

export function buildReport(input: ReportInput): VideoReport {
  const { capture, moderation } = input;
  if (input.frameKeys.length !== capture.frames.length || input.labelsPerFrame.length !== capture.frames.length) {
    throw new Error(`report: ${capture.frames.length} frames but ${input.frameKeys.length} keys and ${input.labelsPerFrame.length} classifications`);
  }
  return {
    input: input.input,
    pipeline: input.pipeline,
    verdict: moderation.verdict,
    source: capture.source,
    capture: {
      strategy: capture.strategy,
      capturedFrames: capture.capturedFrames,
      keptFrames: capture.frames.length,
      droppedAsDuplicates: capture.capturedFrames - capture.frames.length,
      frameLimitReached: capture.frameLimitReached,
      ...(capture.spacingSeconds !== undefined ? { spacingSeconds: capture.spacingSeconds } : {}),
      durationMs: Math.round(input.captureMs),
    },
    frames: capture.frames.map((frame, i) => {
      const labels = input.labelsPerFrame[i]!;
      return {
        key: input.frameKeys[i]!,
        timestamp: frame.timestamp,
        timestampMs: Math.round(frame.timestamp * 1000),
        width: frame.width,
        height: frame.height,
        sharpness: frame.sharpness,
        run: { start: frame.runStart, end: frame.runEnd, frames: frame.runLength },
        labels,
        scores: Object.fromEntries(labels.map((l) => [l.label, round4(l.score)])),
      };
    }),
    segments: moderation.segments,
    moderation: {
      verdict: moderation.verdict,
      provider: moderation.provider,
      ...(moderation.model ? { model: moderation.model } : {}),
      thresholds: moderation.thresholds,
      flaggedFrames: moderation.flaggedFrames,
      maxScores: moderation.maxScores,
      segments: moderation.segments,
      evidence: moderation.evidence,
      durationMs: Math.round(input.moderationMs),
    },
    ...(input.hls
      ? {
          hls: {
            masterKey: input.hls.masterKey,
            variants: input.hls.result.variants,
            skipped: input.hls.result.skipped,
            files: input.hls.result.files.length,
            durationMs: Math.round(input.hls.durationMs),
          },
        }
      : {}),
    ...(input.poster ? { poster: input.poster } : {}),
    ...(input.stream ? { stream: input.stream } : {}),
    ...(input.quarantine ? { quarantine: input.quarantine } : {}),
  };
}

/** `frames/000-t0012.345.jpg`: ordered by index, the timestamp readable in the name. */
export function frameKey(outputFolder: string, index: number, timestamp: number): string {
  return `${outputFolder}frames/${String(index).padStart(3, '0')}-t${timestamp.toFixed(3).padStart(8, '0')}.jpg`;
}

/**
 * The live stream a key belongs to: its folder relative to the ingest prefix, when live segments
 * are on and the extension is one of theirs; a file at the top level is no stream's segment.
 */
export function streamIdOf(relativeKey: string, live: { readonly enabled: boolean; readonly extensions: readonly string[] }): string | undefined {
  if (!live.enabled) return undefined;
  const slash = relativeKey.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const name = relativeKey.slice(slash + 1).toLowerCase();
  if (!live.extensions.some((ext) => name.endsWith(ext))) return undefined;
  return relativeKey.slice(0, slash);
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
