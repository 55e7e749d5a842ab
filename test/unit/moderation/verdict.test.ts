import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClassifiedFrame,
  DEFAULT_LABEL_THRESHOLDS,
  escalate,
  evidenceFrames,
  foldStreamSegment,
  frameHits,
  mergeSegments,
  moderationReport,
  ModerationSettingsSchema,
  thresholdsFor,
  type Verdict,
  videoVerdict,
} from '../../../functions/shared/moderation/index.ts';

const thresholds = DEFAULT_LABEL_THRESHOLDS.nsfwjs;
const frame = (timestampMs: number, scores: Record<string, number>, key?: string): ClassifiedFrame => ({
  timestampMs,
  ...(key && { key }),
  labels: Object.entries(scores)
    .map(([label, score]) => ({ label, score }))
    .sort((a, b) => b.score - a.score),
});

describe('frame hits and the verdict thresholds', () => {
  it('reviews from 0.7 and blocks from 0.9 on the unsafe labels, never on safe ones', () => {
    expect(frameHits(frame(0, { Neutral: 0.99 }).labels, thresholds)).toEqual([]);
    expect(frameHits(frame(0, { Drawing: 0.95 }).labels, thresholds)).toEqual([]);
    expect(frameHits(frame(0, { Sexy: 0.69 }).labels, thresholds)).toEqual([]);
    expect(frameHits(frame(0, { Sexy: 0.7 }).labels, thresholds)).toEqual([{ label: 'Sexy', score: 0.7, severity: 'review' }]);
    expect(frameHits(frame(0, { Porn: 0.9 }).labels, thresholds)).toEqual([{ label: 'Porn', score: 0.9, severity: 'block' }]);
    expect(frameHits(frame(0, { Hentai: 0.75, Porn: 0.2 }).labels, thresholds)).toEqual([{ label: 'Hentai', score: 0.75, severity: 'review' }]);
  });

  it('gives a video the most severe verdict of its frames', () => {
    expect(videoVerdict([], thresholds)).toBe('allow');
    expect(videoVerdict([frame(0, { Neutral: 0.9 }), frame(5000, { Drawing: 0.8 })], thresholds)).toBe('allow');
    expect(videoVerdict([frame(0, { Neutral: 0.9 }), frame(5000, { Sexy: 0.8 })], thresholds)).toBe('review');
    expect(videoVerdict([frame(0, { Sexy: 0.8 }), frame(5000, { Porn: 0.95 }), frame(10000, { Neutral: 1 })], thresholds)).toBe('block');
  });

  it('takes thresholds per label from the settings: review-only labels never block', () => {
    const custom = { Sexy: { review: 0.5 }, Porn: { block: 0.6 } };
    expect(videoVerdict([frame(0, { Sexy: 0.99 })], custom)).toBe('review');
    expect(videoVerdict([frame(0, { Porn: 0.65 })], custom)).toBe('block');
    expect(videoVerdict([frame(0, { Hentai: 0.99 })], custom)).toBe('allow');
  });

  it("matches a Rekognition label by its parent's threshold", () => {
    const labels = [{ label: 'Graphic Violence', score: 0.93, parent: 'Violence' }];
    expect(frameHits(labels, DEFAULT_LABEL_THRESHOLDS.rekognition)).toEqual([{ label: 'Graphic Violence', score: 0.93, severity: 'block' }]);
  });
});

describe('segments over time', () => {
  it('merges hits of a label within the gap tolerance into one segment with the max score', () => {
    const frames = [0, 5000, 10000, 15000].map((t, i) => frame(t, { Porn: [0.92, 0.97, 0.91, 0.2][i]!, Neutral: 0.05 }));
    expect(mergeSegments(frames, thresholds, 6000)).toEqual([{ label: 'Porn', startMs: 0, endMs: 10000, maxScore: 0.97, severity: 'block', frames: 3 }]);
  });

  it('splits a label at a gap wider than the tolerance and bridges a single clean frame within it', () => {
    const frames = [frame(0, { Sexy: 0.8 }), frame(2000, { Neutral: 0.9 }), frame(4000, { Sexy: 0.75 }), frame(30000, { Sexy: 0.95 })];
    expect(mergeSegments(frames, thresholds, 5000)).toEqual([
      { label: 'Sexy', startMs: 0, endMs: 4000, maxScore: 0.8, severity: 'review', frames: 2 },
      { label: 'Sexy', startMs: 30000, endMs: 30000, maxScore: 0.95, severity: 'block', frames: 1 },
    ]);
  });

  it('keeps labels in separate segments, ordered by start, whatever order the frames came in', () => {
    const frames = [frame(6000, { Hentai: 0.8 }), frame(1000, { Sexy: 0.8 }), frame(3000, { Sexy: 0.72, Hentai: 0.71 })];
    const segments = mergeSegments(frames, thresholds, 10000);
    expect(segments.map((s) => [s.label, s.startMs, s.endMs, s.frames])).toEqual([
      ['Sexy', 1000, 3000, 2],
      ['Hentai', 3000, 6000, 2],
    ]);
  });

  it('accounts for every hit in exactly one segment, and no segment is longer than its hits allow (property)', () => {
    const arbFrame = fc.record({ t: fc.integer({ min: 0, max: 600_000 }), porn: fc.double({ min: 0, max: 1, noNaN: true }), sexy: fc.double({ min: 0, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(arbFrame, { maxLength: 40 }), fc.integer({ min: 0, max: 20_000 }), (raw, gap) => {
        const frames = raw.map((f) => frame(f.t, { Porn: f.porn, Sexy: f.sexy }));
        const segments = mergeSegments(frames, thresholds, gap);
        const hits = frames.reduce((sum, f) => sum + frameHits(f.labels, thresholds).length, 0);
        expect(segments.reduce((sum, s) => sum + s.frames, 0)).toBe(hits);
        for (const s of segments) {
          expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
          expect(s.endMs - s.startMs).toBeLessThanOrEqual((s.frames - 1) * gap);
        }
        const strongest = segments.reduce<Verdict>((v, s) => escalate(v, s.severity), 'allow');
        expect(strongest).toBe(videoVerdict(frames, thresholds));
      }),
    );
  });
});

describe('evidence and the report', () => {
  it('keeps the most severe, highest scoring flagged frames, in time order, with their keys', () => {
    const frames = [
      frame(0, { Sexy: 0.71 }, 'f0.jpg'),
      frame(5000, { Porn: 0.93 }, 'f1.jpg'),
      frame(10000, { Neutral: 0.99 }, 'f2.jpg'),
      frame(15000, { Sexy: 0.88 }, 'f3.jpg'),
      frame(20000, { Porn: 0.91 }, 'f4.jpg'),
    ];
    const evidence = evidenceFrames(frames, thresholds, 3);
    expect(evidence.map((e) => e.key)).toEqual(['f1.jpg', 'f3.jpg', 'f4.jpg']);
    expect(evidence[0]).toEqual({ timestampMs: 5000, key: 'f1.jpg', labels: [{ label: 'Porn', score: 0.93 }], hits: [{ label: 'Porn', score: 0.93, severity: 'block' }] });
  });

  it('reports verdict, counts, max scores, segments, evidence and the model', () => {
    const frames = [frame(0, { Neutral: 0.9, Sexy: 0.1 }), frame(5000, { Sexy: 0.8, Neutral: 0.2 }), frame(10000, { Sexy: 0.85 })];
    const model = { name: 'nsfwjs-mobilenet-v2', version: '4.4.0', sha256: 'a'.repeat(64) };
    const report = moderationReport({ provider: { name: 'nsfwjs', model }, frames, thresholds, segmentGapMs: 10_000, maxEvidenceFrames: 20 });
    expect(report).toMatchObject({ verdict: 'review', provider: 'nsfwjs', model, frames: 3, flaggedFrames: 2, maxScores: { Neutral: 0.9, Sexy: 0.85 } });
    expect(report.segments).toEqual([{ label: 'Sexy', startMs: 5000, endMs: 10000, maxScore: 0.85, severity: 'review', frames: 2 }]);
    expect(report.evidence.map((e) => e.timestampMs)).toEqual([5000, 10000]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('a live stream verdict escalates, never relaxes', () => {
  it('escalate keeps the stricter verdict', () => {
    expect(escalate(undefined, 'allow')).toBe('allow');
    expect(escalate('allow', 'review')).toBe('review');
    expect(escalate('block', 'allow')).toBe('block');
    expect(escalate('review', 'allow')).toBe('review');
    expect(escalate('review', 'block')).toBe('block');
  });

  it('folds segments as they arrive, remembering which segment escalated it', () => {
    const segments: Array<[string, Verdict]> = [['s1.ts', 'allow'], ['s2.ts', 'review'], ['s3.ts', 'allow'], ['s4.ts', 'block'], ['s5.ts', 'review']];
    const states = segments.reduce<ReturnType<typeof foldStreamSegment>[]>((acc, [segmentKey, verdict]) => [...acc, foldStreamSegment(acc.at(-1), { streamId: 'class-7', segmentKey, verdict })], []);
    expect(states.map((s) => s.verdict)).toEqual(['allow', 'review', 'review', 'block', 'block']);
    expect(states.at(-1)!.escalations).toEqual([
      { verdict: 'allow', segmentKey: 's1.ts' },
      { verdict: 'review', segmentKey: 's2.ts' },
      { verdict: 'block', segmentKey: 's4.ts' },
    ]);
    // A redelivered segment changes nothing.
    expect(foldStreamSegment(states.at(-1), { streamId: 'class-7', segmentKey: 's4.ts', verdict: 'block' })).toBe(states.at(-1));
    expect(() => foldStreamSegment(states[0], { streamId: 'other', segmentKey: 'x', verdict: 'allow' })).toThrow(/other/);
  });

  it('never relaxes over any sequence of segment verdicts (property)', () => {
    const rank = { allow: 0, review: 1, block: 2 };
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Verdict>('allow', 'review', 'block'), { minLength: 1, maxLength: 30 }), (verdicts) => {
        let state: ReturnType<typeof foldStreamSegment> | undefined;
        let highest = 0;
        verdicts.forEach((verdict, i) => {
          const before = state ? rank[state.verdict] : -1;
          state = foldStreamSegment(state, { streamId: 's', segmentKey: `seg-${i}`, verdict });
          expect(rank[state.verdict]).toBeGreaterThanOrEqual(before);
          highest = Math.max(highest, rank[verdict]);
          expect(rank[state.verdict]).toBe(highest);
        });
      }),
    );
  });
});

describe('moderation settings', () => {
  it('defaults to nsfwjs at min confidence 0.5 with its unsafe labels', () => {
    const settings = ModerationSettingsSchema.parse({});
    expect(settings).toEqual({ provider: 'nsfwjs', minConfidence: 0.5, segmentGapMs: 10_000, maxEvidenceFrames: 20, batchSize: 8 });
    expect(Object.keys(thresholdsFor(settings))).toEqual(['Porn', 'Hentai', 'Sexy']);
    expect(thresholdsFor({ provider: 'rekognition' })).toHaveProperty('Explicit');
    expect(thresholdsFor({ provider: 'nsfwjs', labels: { Porn: { block: 0.5 } } })).toEqual({ Porn: { block: 0.5 } });
  });

  it('names the field of a bad setting', () => {
    const paths = (input: unknown) => ModerationSettingsSchema.safeParse(input).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ provider: 'clarifai' })).toEqual(['provider']);
    expect(paths({ minConfidence: 50 })).toEqual(['minConfidence']);
    expect(paths({ labels: { Porn: { review: 0.95, block: 0.9 } } })).toEqual(['labels.Porn.review']);
    expect(paths({ labels: { Porn: {} } })).toEqual(['labels.Porn']);
    expect(paths({ threshold: 0.9 })).toEqual(['']);
  });
});
