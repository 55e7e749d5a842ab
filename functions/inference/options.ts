import { z } from 'zod';
import { DEFAULT_MAX_INPUT_PIXELS } from '../shared/model/preprocess.ts';
import { ModelSpecSchema } from '../shared/model/model-spec.ts';
import { DEFAULT_TOP_K } from './core.ts';
import { DEFAULT_MANIFEST_LIMITS } from './manifest.ts';

const keyPrefix = z.string().regex(/^[a-z0-9][a-z0-9/_-]*\/$/, "a key prefix of lowercase letters, digits, '-', '_' and '/', ending in '/'");
const objectKey = z.string().min(1).max(1024).refine((k) => !k.startsWith('/') && !k.split('/').includes('..'), 'a plain object key');

/**
 * A bring-your-own tfjs model: the model module's spec plus where its files are. `prefix` holds
 * model.json and the weight files it names; `keys` maps each file name (model.json included) to
 * its own key. Read from the models bucket (the results bucket unless `modelsBucketName` is set),
 * hashed, and refused unless the bytes hash to `sha256`.
 */
export const configuredModelSchema = ModelSpecSchema.extend({
  prefix: keyPrefix.optional(),
  keys: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,200}$/), objectKey).optional(),
}).superRefine((model, ctx) => {
  if ((model.prefix === undefined) === (model.keys === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'give exactly one of prefix or keys' });
  }
  if (model.keys && !('model.json' in model.keys)) ctx.addIssue({ code: 'custom', path: ['keys'], message: "keys must name 'model.json'" });
});
export type ConfiguredModel = z.output<typeof configuredModelSchema>;

/** The inference handler's settings (PIPELINE_SETTINGS), every field configurable as `pipelines.inference.<field>`. */
export const inferenceOptionsSchema = z.strictObject({
  /** Classes per image when the job does not say. @default 3 */
  defaultTopK: z.int().min(1).max(100).default(DEFAULT_TOP_K),
  /** Most images one manifest may list. @default 32 */
  maxImages: z.int().min(1).max(256).default(DEFAULT_MANIFEST_LIMITS.maxImages),
  /** Bytes per image (and per manifest): larger objects are refused before they are read. @default 20 MiB */
  maxImageBytes: z.int().min(1024).max(256 * 1024 * 1024).default(20 * 1024 * 1024),
  /** Pixels per image (width x height from the header, before decoding). @default 50 000 000 */
  maxPixels: z.int().min(1).max(1_000_000_000).default(DEFAULT_MAX_INPUT_PIXELS),
  /** Images decoded at once (bounds memory on a manifest of large photos). @default 4 */
  decodeConcurrency: z.int().min(1).max(32).default(4),
  /**
   * Prefixes of the ingest bucket, besides the ingest prefix itself, that a manifest may name
   * images under (the function may read only these). Images under the ingest prefix are each a
   * job of their own too; keep a manifest's images elsewhere, e.g. 'job-images/'. @default []
   */
  manifestImagePrefixes: z.array(keyPrefix).max(10).default([]),
  /** Bring-your-own models a manifest may ask for by `model`. @default [] */
  models: z.array(configuredModelSchema).max(20).default([]),
  /** A bucket holding the models' files. @default the results bucket */
  modelsBucketName: z.string().min(3).max(63).optional(),
});
export type InferenceOptions = z.output<typeof inferenceOptionsSchema>;
