import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { transcodeOptionsSchema } from '../../functions/image-transcode/options.ts';
import { EnvName } from '../../functions/shared/env-names.ts';
import { KitStorage } from '../../lib/constructs/kit-storage.ts';
import { imagePipelineConfigSchema } from '../../lib/pipelines/image-pipeline-config.ts';
import { functionEntry } from '../../lib/pipelines/paths.ts';
import { handlerSettingsFrom, QueuePipeline } from '../../lib/pipelines/queue-pipeline.ts';
import { workerConfigSchema } from '../../lib/pipelines/worker-config.ts';

describe('QueuePipeline', () => {
  function synth(settingsSchema: z.ZodObject, config: Record<string, unknown>) {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'T');
    const storage = new KitStorage(stack, 'Storage');
    const pipeline = new QueuePipeline(stack, 'P', {
      ingestBucket: storage.ingestBucket,
      resultsBucket: storage.resultsBucket,
      pipeline: { id: 'thing', resultDocument: 'result.json', errorCodes: ['THING_TIMEOUT'] },
      config: workerConfigSchema.extend({ outputPrefix: z.string(), ...settingsSchema.shape }).parse({ ingestPrefix: 'things/', outputPrefix: 'thing/', ...config }),
      settingsSchema,
      entry: functionEntry('image-transcode'),
      description: 'a test pipeline',
    });
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.[EnvName.PIPELINE_CONTRACT],
    )!;
    return { pipeline, env: fn.Properties.Environment.Variables as Record<string, string> };
  }

  it('a new handler option reaches the handler without anyone copying it', () => {
    // As if the next release added an option to the transcode settings.
    const extended = transcodeOptionsSchema.extend({ sharpen: z.number().default(0) });
    const config = { renditions: [{ name: 'a' }], sharpen: 2, batchSize: 2 };
    expect(handlerSettingsFrom(extended, config)).toMatchObject({ sharpen: 2, renditions: [{ name: 'a' }] });
    const { env } = synth(extended, config);
    expect(JSON.parse(env[EnvName.PIPELINE_SETTINGS]!)).toMatchObject({ sharpen: 2 });
  });

  it('hands the contract, the budget and the results bucket to the handler', () => {
    const { env, pipeline } = synth(z.strictObject({}), { timeoutSeconds: 30, batchSize: 2, timeBudgetSeconds: 4.5 });
    expect(JSON.parse(env[EnvName.PIPELINE_CONTRACT]!)).toEqual({
      id: 'thing',
      ingestPrefix: 'things/',
      outputPrefix: 'thing/',
      resultDocument: 'result.json',
      errorCodes: ['THING_TIMEOUT'],
      acceptsJsonTasks: false,
    });
    expect(env[EnvName.TIME_BUDGET_MS]).toBe('4500');
    expect(pipeline.timeBudgetMs).toBe(4500);
  });

  it('refuses an invalid contract at synth, naming the field', () => {
    expect(() => synth(z.strictObject({}), { outputPrefix: 'failures/x/' })).toThrow(/Invalid pipeline contract 'thing'[\s\S]*outputPrefix/);
  });

  it("the image config is exactly the worker's fields, outputPrefix and the handler's settings", () => {
    const keys = Object.keys(imagePipelineConfigSchema.shape).sort();
    expect(keys).toEqual([...new Set([...Object.keys(workerConfigSchema.shape), 'outputPrefix', ...Object.keys(transcodeOptionsSchema.shape)])].sort());
  });
});
