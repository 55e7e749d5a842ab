import type { ModelIdentity } from '../model/image-model.ts';
import type { LabelThreshold, LabelThresholds } from './config.ts';
import type { FrameClassification, FrameLabel } from './provider.ts';

/**
 * Pure moderation logic: per-frame labels → hits → segments over time → a verdict, with the
 * evidence a reviewer needs. No I/O, no model: the same labels always give the same report.
 */

export type Verdict = 'allow' | 'review' | 'block';
export type Severity = Exclude<Verdict, 'allow'>;

const RANK: Record<Verdict, number> = { allow: 0, review: 1, block: 2 };

/** The stricter of two verdicts: a verdict only ever escalates. */
export function escalate(previous: Verdict | undefined, next: Verdict): Verdict {
  return previous !== undefined && RANK[previous] >= RANK[next] ? previous : next;
}

export interface ClassifiedFrame extends FrameClassification {
  /** Where the frame was written (results bucket key), when the caller stored it. */
  readonly key?: string;
}

export interface Hit {
  readonly label: string;
  readonly score: number;
  readonly severity: Severity;
}

/** The threshold that applies to a label: its own, else its parent's (Rekognition's hierarchy). */
function thresholdOf(label: FrameLabel, thresholds: LabelThresholds): LabelThreshold | undefined {
  return thresholds[label.label] ?? (label.parent === undefined ? undefined : thresholds[label.parent]);
}

/** The labels of one frame that cross a threshold, strongest first. */
export function frameHits(labels: readonly FrameLabel[], thresholds: LabelThresholds): Hit[] {
  const hits: Hit[] = [];
  for (const label of labels) {
    const threshold = thresholdOf(label, thresholds);
    if (!threshold) continue;
    if (threshold.block !== undefined && label.score >= threshold.block) hits.push({ label: label.label, score: label.score, severity: 'block' });
    else if (threshold.review !== undefined && label.score >= threshold.review) hits.push({ label: label.label, score: label.score, severity: 'review' });
  }
  return hits.sort((a, b) => RANK[b.severity] - RANK[a.severity] || b.score - a.score);
}

export interface Segment {
  readonly label: string;
  readonly startMs: number;
  /** Timestamp of the segment's last flagged frame. */
  readonly endMs: number;
  readonly maxScore: number;
  readonly severity: Severity;
  /** Flagged frames in the segment. */
  readonly frames: number;
}

/**
 * Hits of the same label merged over time: a hit within `gapMs` of the previous one extends its
 * segment, so a label seen on every sampled frame reads as one stretch, not a list of repeats.
 */
export function mergeSegments(frames: readonly ClassifiedFrame[], thresholds: LabelThresholds, gapMs: number): Segment[] {
  const byLabel = new Map<string, { timestampMs: number; hit: Hit }[]>();
  for (const frame of frames) {
    for (const hit of frameHits(frame.labels, thresholds)) {
      const list = byLabel.get(hit.label) ?? [];
      list.push({ timestampMs: frame.timestampMs, hit });
      byLabel.set(hit.label, list);
    }
  }
  const segments: Segment[] = [];
  for (const [label, hits] of byLabel) {
    hits.sort((a, b) => a.timestampMs - b.timestampMs);
    let open: { startMs: number; endMs: number; maxScore: number; severity: Severity; frames: number } | undefined;
    for (const { timestampMs, hit } of hits) {
      if (open && timestampMs - open.endMs <= gapMs) {
        open.endMs = timestampMs;
        open.maxScore = Math.max(open.maxScore, hit.score);
        open.severity = escalate(open.severity, hit.severity) as Severity;
        open.frames += 1;
      } else {
        if (open) segments.push({ label, ...open });
        open = { startMs: timestampMs, endMs: timestampMs, maxScore: hit.score, severity: hit.severity, frames: 1 };
      }
    }
    if (open) segments.push({ label, ...open });
  }
  return segments.sort((a, b) => a.startMs - b.startMs || a.label.localeCompare(b.label));
}

/** The video's verdict: the most severe hit on any frame, `allow` when nothing crossed a threshold. */
export function videoVerdict(frames: readonly ClassifiedFrame[], thresholds: LabelThresholds): Verdict {
  let verdict: Verdict = 'allow';
  for (const frame of frames) for (const hit of frameHits(frame.labels, thresholds)) verdict = escalate(verdict, hit.severity);
  return verdict;
}

export interface EvidenceFrame {
  readonly timestampMs: number;
  readonly key?: string;
  readonly labels: readonly FrameLabel[];
  readonly hits: readonly Hit[];
}

/** The flagged frames a reviewer sees: the `max` most severe and highest scoring, in time order. */
export function evidenceFrames(frames: readonly ClassifiedFrame[], thresholds: LabelThresholds, max: number): EvidenceFrame[] {
  return frames
    .map((frame) => ({ frame, hits: frameHits(frame.labels, thresholds) }))
    .filter(({ hits }) => hits.length > 0)
    .sort((a, b) => RANK[b.hits[0]!.severity] - RANK[a.hits[0]!.severity] || b.hits[0]!.score - a.hits[0]!.score || a.frame.timestampMs - b.frame.timestampMs)
    .slice(0, max)
    .sort((a, b) => a.frame.timestampMs - b.frame.timestampMs)
    .map(({ frame, hits }) => ({ timestampMs: frame.timestampMs, ...(frame.key !== undefined && { key: frame.key }), labels: frame.labels, hits }));
}

export interface ModerationReport {
  readonly verdict: Verdict;
  readonly provider: string;
  readonly model?: ModelIdentity;
  readonly thresholds: LabelThresholds;
  readonly frames: number;
  readonly flaggedFrames: number;
  /** Highest score seen per label over the whole video, thresholded or not. */
  readonly maxScores: Readonly<Record<string, number>>;
  readonly segments: readonly Segment[];
  readonly evidence: readonly EvidenceFrame[];
}

export interface ReportInput {
  readonly provider: { readonly name: string; readonly model?: ModelIdentity };
  readonly frames: readonly ClassifiedFrame[];
  readonly thresholds: LabelThresholds;
  readonly segmentGapMs: number;
  readonly maxEvidenceFrames: number;
}

/** The moderation part of a video's report.json. */
export function moderationReport(input: ReportInput): ModerationReport {
  const { frames, thresholds } = input;
  const maxScores: Record<string, number> = {};
  for (const frame of frames) for (const { label, score } of frame.labels) maxScores[label] = Math.max(maxScores[label] ?? 0, score);
  return {
    verdict: videoVerdict(frames, thresholds),
    provider: input.provider.name,
    ...(input.provider.model && { model: { name: input.provider.model.name, version: input.provider.model.version, sha256: input.provider.model.sha256 } }),
    thresholds,
    frames: frames.length,
    flaggedFrames: frames.filter((frame) => frameHits(frame.labels, thresholds).length > 0).length,
    maxScores,
    segments: mergeSegments(frames, thresholds, input.segmentGapMs),
    evidence: evidenceFrames(frames, thresholds, input.maxEvidenceFrames),
  };
}

/**
 * A live stream's standing verdict (education: recordings arrive as segments). It escalates as
 * segments arrive and never relaxes; each escalation remembers the segment that caused it.
 * Folding the same segment in twice changes nothing, so a redelivered segment is harmless.
 */
export interface StreamVerdict {
  readonly streamId: string;
  readonly verdict: Verdict;
  readonly escalations: readonly { readonly verdict: Verdict; readonly segmentKey: string }[];
}

export function foldStreamSegment(state: StreamVerdict | undefined, segment: { streamId: string; segmentKey: string; verdict: Verdict }): StreamVerdict {
  if (state && state.streamId !== segment.streamId) throw new Error(`Segment of stream '${segment.streamId}' folded into stream '${state.streamId}'`);
  const previous = state?.verdict;
  const verdict = escalate(previous, segment.verdict);
  const escalations = state?.escalations ?? [];
  if (previous !== undefined && verdict === previous) return state!;
  return { streamId: segment.streamId, verdict, escalations: [...escalations, { verdict, segmentKey: segment.segmentKey }] };
}
