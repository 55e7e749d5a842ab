import { AwsSolutionsChecks } from 'cdk-nag';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resources, synthKit } from './synth.ts';

const sha = 'a'.repeat(64);

function functionsOf(template: ReturnType<typeof synthKit>['template']) {
  const fns = resources(template, 'AWS::Lambda::Function');
  const infer = Object.entries(fns).find(([id]) => id.startsWith('InferencePipelineInfer'));
  const index = Object.entries(fns).find(([id]) => id.startsWith('InferencePipelineIndex'));
  return { infer, index };
}

/** Every statement of the policies attached to roles whose logical id starts with `rolePrefix`. */
function statementsOf(template: ReturnType<typeof synthKit>['template'], rolePrefix: string): any[] {
  return Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as any[]).some((r) => String(r.Ref).startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('InferencePipeline', () => {
  it.each(['ai', 'all'])('preset %s has no unacknowledged cdk-nag finding', (preset) => {
    const { stack } = synthKit(preset, undefined, { nag: false });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('is nag clean with bring-your-own models in the results bucket and in a models bucket', () => {
    for (const modelsBucketName of [undefined, 'my-models']) {
      const { stack } = synthKit('ai', { pipelines: { inference: { models: [{ name: 'ads', sha256: sha, labels: ['a', 'b'], prefix: 'models/ads/' }], manifestImagePrefixes: ['job-images/'], ...(modelsBucketName ? { modelsBucketName } : {}) } } }, { nag: false });
      expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    }
  });

  it('declares its contract: jobs/ → inference/<rel>/result.json, JSON tasks, INFERENCE_* codes', () => {
    const { template } = synthKit('ai');
    const { infer } = functionsOf(template);
    expect(infer).toBeDefined();
    const env = infer![1].Properties.Environment.Variables;
    const contract = JSON.parse(env.PIPELINE_CONTRACT);
    expect(contract).toMatchObject({ id: 'inference', ingestPrefix: 'jobs/', outputPrefix: 'inference/', resultDocument: 'result.json', acceptsJsonTasks: true });
    expect(contract.errorCodes).toEqual(expect.arrayContaining(['SOURCE_NOT_FOUND', 'INFERENCE_NOT_AN_IMAGE', 'INFERENCE_SOURCE_NOT_FOUND', 'INFERENCE_MODEL_HASH_MISMATCH', 'INFERENCE_PROCESSING_TIMEOUT']));
    expect(infer![1].Properties.MemorySize).toBeGreaterThanOrEqual(1024);
    expect(JSON.parse(env.PIPELINE_SETTINGS)).toMatchObject({ defaultTopK: 5, maxImages: 32 });
  });

  it('refuses less than 1024 MB', () => {
    expect(() => synthKit('ai', { pipelines: { inference: { memorySize: 512 } } })).toThrow(/memorySize/);
  });

  it('indexes result.json creation through an EventBridge rule on the results bucket, not a call from the worker', () => {
    const { template, stack } = synthKit('ai');
    const results = stack.resolve(stack.storage.resultsBucket.bucketName);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [results] }, object: { key: [{ wildcard: 'inference/*/result.json' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InferencePipelineIndex'), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
    // The worker never calls the index function: it only writes result.json.
    const inferActions = statementsOf(template, 'InferencePipelineInfer').flatMap((s) => [s.Action].flat());
    expect(inferActions).not.toContain('lambda:InvokeFunction');
  });

  it('scopes grants to prefixes', () => {
    const { template } = synthKit('ai', { pipelines: { inference: { models: [{ name: 'ads', sha256: sha, labels: ['a', 'b'], prefix: 'models/ads/' }], manifestImagePrefixes: ['job-images/'] } } });
    const resourcesOf = (prefix: string) =>
      statementsOf(template, prefix)
        .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')))
        .map((s) => JSON.stringify(s.Resource));
    const infer = resourcesOf('InferencePipelineInfer').join('\n');
    for (const prefix of ['jobs/*', 'job-images/*', 'models/ads/*', 'inference/*', 'failures/jobs/*']) expect(infer).toContain(prefix);
    const index = statementsOf(template, 'InferencePipelineIndex');
    const s3Index = index.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
    for (const statement of s3Index) {
      const text = JSON.stringify(statement);
      if ([statement.Action].flat().includes('s3:ListBucket')) expect(statement.Condition).toEqual({ StringLike: { 's3:prefix': ['inference-index/*'] } });
      else expect(text).toMatch(/inference\/\*|inference-index\/\*/);
      expect(text).not.toMatch(/"\*"/);
    }
    expect(s3Index.some((s) => [s.Action].flat().includes('s3:PutObject') && JSON.stringify(s.Resource).includes('inference-index/*'))).toBe(true);
  });

  it('publishes Inference Completed on the kit bus, which the index function alone of the two may put events on for it', () => {
    const { template, stack } = synthKit('ai');
    const { index } = functionsOf(template);
    expect(index![1].Properties.Environment.Variables.EVENT_BUS_NAME).toEqual(stack.resolve(stack.bus.bus.eventBusName));
    const indexPuts = statementsOf(template, 'InferencePipelineIndex').filter((s) => [s.Action].flat().includes('events:PutEvents'));
    expect(indexPuts.map((s) => s.Resource)).toEqual([stack.resolve(stack.bus.bus.eventBusArn)]);
  });
});
