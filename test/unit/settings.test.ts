import { describe, expect, it } from 'vitest';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { EnvName } from '../../functions/shared/env-names.ts';
import { loadSettings } from '../../functions/shared/settings.ts';

const contract = { id: 'image', ingestPrefix: 'uploads/', outputPrefix: 'image/', resultDocument: 'manifest.json', errorCodes: ['IMAGE_CORRUPT'] };
const env = (over: Record<string, string | undefined> = {}) => ({
  [EnvName.PIPELINE_CONTRACT]: JSON.stringify(contract),
  [EnvName.RESULTS_BUCKET]: 'results-bucket',
  [EnvName.TIME_BUDGET_MS]: '10800',
  [EnvName.WORK_QUEUE_URL]: 'https://sqs.us-east-1.amazonaws.com/000000000000/work',
  [EnvName.PIPELINE_SETTINGS]: JSON.stringify({ renditions: [{ name: 'thumb', width: 64 }] }),
  ...over,
});

describe('loadSettings', () => {
  it('reads and validates the environment once, applying defaults', () => {
    const settings = loadSettings(transcodeOptionsSchema, env());
    expect(settings).toMatchObject({
      resultsBucket: 'results-bucket',
      timeBudgetMs: 10_800,
      workQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/work',
      contract: { ...contract, acceptsJsonTasks: false },
    });
    expect(settings.pipeline.renditions[0]).toMatchObject({ name: 'thumb', width: 64, format: 'webp', fit: 'inside' });
    expect(settings.pipeline.limits.maxInputPixels).toBe(100_000_000);
  });

  it('works without a work queue (a function invoked another way)', () => {
    expect(loadSettings(transcodeOptionsSchema, env({ [EnvName.WORK_QUEUE_URL]: undefined })).workQueueUrl).toBeUndefined();
  });

  it('names a missing variable', () => {
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.RESULTS_BUCKET]: undefined }))).toThrow(/RESULTS_BUCKET/);
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.TIME_BUDGET_MS]: undefined }))).toThrow(/TIME_BUDGET_MS/);
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.PIPELINE_CONTRACT]: undefined }))).toThrow(/PIPELINE_CONTRACT is not set/);
  });

  it('names a contract that does not validate, and the field', () => {
    const bad = JSON.stringify({ ...contract, id: 'Image!' });
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.PIPELINE_CONTRACT]: bad }))).toThrow(/PIPELINE_CONTRACT is not a valid pipeline contract[\s\S]*id/);
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.PIPELINE_CONTRACT]: '{' }))).toThrow(/PIPELINE_CONTRACT is not JSON/);
  });

  it('names settings that are not JSON', () => {
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.PIPELINE_SETTINGS]: '{' }))).toThrow(/PIPELINE_SETTINGS is not JSON/);
  });

  it('names an invalid setting', () => {
    const bad = JSON.stringify({ renditions: [{ name: 'thumb', format: 'bmp' }] });
    expect(() => loadSettings(transcodeOptionsSchema, env({ [EnvName.PIPELINE_SETTINGS]: bad }))).toThrow(/renditions\[0\]\.format|format/);
  });
});
