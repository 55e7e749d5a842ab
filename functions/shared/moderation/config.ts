import { z } from 'zod';

/**
 * Moderation settings, embeddable in the video pipeline's config schema. Plain data only (no
 * transforms), so a preset or a JSON config can state it and the construct can pass it on.
 */

export const ModerationProviderNameSchema = z.enum(['nsfwjs', 'rekognition', 'none']);
export type ModerationProviderName = z.infer<typeof ModerationProviderNameSchema>;

/** Scores (0..1) from which a label makes a frame worth a human look, or blocks the video. */
export const LabelThresholdSchema = z
  .strictObject({
    review: z.number().min(0).max(1).optional(),
    block: z.number().min(0).max(1).optional(),
  })
  .refine((t) => t.review !== undefined || t.block !== undefined, { message: 'give review, block or both' })
  .refine((t) => t.review === undefined || t.block === undefined || t.review <= t.block, { message: 'review must not be above block', path: ['review'] });

export type LabelThreshold = z.infer<typeof LabelThresholdSchema>;
export type LabelThresholds = Readonly<Record<string, LabelThreshold>>;

export const ModerationSettingsSchema = z.strictObject({
  /** Who judges frames: the packaged nsfwjs model, Amazon Rekognition, or nobody. @default nsfwjs */
  provider: ModerationProviderNameSchema.default('nsfwjs'),
  /** Labels scored under this are not reported for a frame (Rekognition's MinConfidence / 100). @default 0.5 */
  minConfidence: z.number().min(0).max(1).default(0.5),
  /**
   * Thresholds per label (matched on the label or its parent). @default the provider's unsafe
   * labels: nsfwjs Porn, Hentai, Sexy at review 0.7 / block 0.9; Rekognition's Explicit,
   * Violence, Hate Symbols likewise, and its non-explicit nudity and disturbing imagery at review 0.7
   */
  labels: z.record(z.string().min(1), LabelThresholdSchema).optional(),
  /** Hits of one label this close together (ms) form one segment. @default 10000 */
  segmentGapMs: z.int().min(0).max(3_600_000).default(10_000),
  /** Most flagged frames kept as evidence in the report (the highest scoring). @default 20 */
  maxEvidenceFrames: z.int().min(1).max(500).default(20),
  /** Frames per model batch (nsfwjs) or concurrent requests (Rekognition). @default 8 */
  batchSize: z.int().min(1).max(64).default(8),
});

export type ModerationSettings = z.output<typeof ModerationSettingsSchema>;

const TIERED = { review: 0.7, block: 0.9 } as const;

export const DEFAULT_LABEL_THRESHOLDS: Readonly<Record<ModerationProviderName, LabelThresholds>> = {
  nsfwjs: { Porn: TIERED, Hentai: TIERED, Sexy: TIERED },
  rekognition: {
    Explicit: TIERED,
    'Explicit Nudity': TIERED,
    Violence: TIERED,
    'Hate Symbols': TIERED,
    'Non-Explicit Nudity of Intimate parts and Kissing': { review: 0.7 },
    'Visually Disturbing': { review: 0.7 },
  },
  none: {},
};

/** The thresholds in force: the configured ones, or the provider's defaults. */
export function thresholdsFor(settings: Pick<ModerationSettings, 'provider' | 'labels'>): LabelThresholds {
  return settings.labels ?? DEFAULT_LABEL_THRESHOLDS[settings.provider];
}
