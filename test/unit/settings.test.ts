import { describe, expect, it } from 'vitest';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { EnvName } from '../../functions/shared/env-names.ts';
import { loadSettings } from '../../functions/shared/settings.ts';

const env = (over: Record<string, string | undefined> = {}) => ({
  [EnvName.RESULTS_BUCKET]: 'results-bucket',
  [EnvName.INGEST_PREFIX]: 'uploads/',
  [EnvName.OUTPUT_PREFIX]: 'image/',
  [EnvName.PIPELINE_SETTINGS]: JSON.stringify({ renditions: [{ name: 'thumb', width: 64 }] }),
  ...over,
});

describe('loadSettings', () => {
  it('reads and validates the environment once, applying defaults', () => {
    const settings = loadSettings(transcodeOptionsSchema, env());
    expect(settings.resultsBucket).toBe('results-bucket');
    expect(settings.pipeline.renditions[0]).toMatchObject({ name: 'thumb', width: 64, format: 'webp', fit: 'inside' });
    expect(settings.pipeline.limits.maxInputPixels).toBe(100_000_000);
  });

  it('names a missing variable', () => {
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.RESULTS_BUCKET]: undefined }))).toThrow(/resultsBucket/);
  });

  it('names settings that are not JSON', () => {
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.PIPELINE_SETTINGS]: '{' }))).toThrow(/PIPELINE_SETTINGS is not JSON/);
  });

  it('names an invalid setting', () => {
    const bad = JSON.stringify({ renditions: [{ name: 'thumb', format: 'bmp' }] });
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.PIPELINE_SETTINGS]: bad }))).toThrow(/renditions\[0\]\.format|format/);
  });
});
