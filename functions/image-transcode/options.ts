import { z } from 'zod';

/**
 * What the image pipeline can be asked to do. The same schema validates a preset at synth time
 * and the handler's settings at load, so a value that synthesizes is a value the handler accepts.
 */

export const OUTPUT_FORMATS = ['jpeg', 'webp', 'avif', 'png', 'original'] as const;
export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
/** Input formats that are decoded by default. SVG, PDF and the ImageMagick loaders stay off. */
export const INPUT_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const;

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');

export const renditionSchema = z.strictObject({
  /** Becomes the output's file name: `<name>.<ext>`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _'),
  /** Target width in pixels; omitted keeps the aspect ratio from height (or the source's width). */
  width: z.number().int().min(1).max(16_383).optional(),
  height: z.number().int().min(1).max(16_383).optional(),
  /** How the image fits width x height (sharp's fit). @default 'inside' */
  fit: z.enum(FITS).default('inside'),
  /** @default 'webp' */
  format: z.enum(OUTPUT_FORMATS).default('webp'),
  /** Encoder quality, 1-100 (ignored for png). @default 80 */
  quality: z.number().int().min(1).max(100).default(80),
  /** Allow upscaling smaller sources to the target size. @default false */
  enlarge: z.boolean().default(false),
});
export type Rendition = z.infer<typeof renditionSchema>;

export const imageLimitsSchema = z.strictObject({
  /** Input pixels, counting every frame of an animation. @default 100_000_000 */
  maxInputPixels: z.number().int().min(1).default(100_000_000),
  /** Input object size in bytes. @default 50 MiB */
  maxInputBytes: z.number().int().min(1).default(50 * 1024 * 1024),
  /** Largest width or height of any output. @default 8192 */
  maxOutputDimension: z.number().int().min(1).max(16_383).default(8192),
  /** Frames of an animation kept in animated outputs. @default 100 */
  maxFrames: z.number().int().min(1).max(1000).default(100),
});
export type ImageLimits = z.infer<typeof imageLimitsSchema>;

export const transcodeOptionsSchema = z.strictObject({
  renditions: z
    .array(renditionSchema)
    .min(1)
    .max(20)
    .refine((list) => new Set(list.map((r) => r.name)).size === list.length, 'rendition names must be unique'),
  limits: imageLimitsSchema.default(imageLimitsSchema.parse({})),
  /** Drop EXIF (GPS included), XMP and IPTC from outputs. @default true */
  stripMetadata: z.boolean().default(true),
  /** Background that alpha is flattened onto for formats without alpha. @default '#ffffff' */
  background: hexColour.default('#ffffff'),
  /** Keep animation where the output format supports it (GIF → animated WebP). @default true */
  animated: z.boolean().default(true),
  /** Input formats accepted. @default jpeg, png, webp, gif, avif, tiff (HEIC needs a libvips built with HEVC) */
  inputFormats: z.array(z.enum(INPUT_FORMATS)).min(1).default([...INPUT_FORMATS]),
});
export type TranscodeOptions = z.infer<typeof transcodeOptionsSchema>;
export type TranscodeOptionsInput = z.input<typeof transcodeOptionsSchema>;

/** The rendition set of the entertainment preset and the benchmark's workload. */
export const DEFAULT_RENDITIONS: readonly z.input<typeof renditionSchema>[] = [
  { name: 'thumbnail', width: 256, height: 256, fit: 'cover', format: 'jpeg', quality: 80 },
  { name: 'medium', width: 1280, fit: 'inside', format: 'webp', quality: 80 },
  { name: 'large', width: 1920, fit: 'inside', format: 'jpeg', quality: 82 },
];
