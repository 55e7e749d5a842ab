import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CustomMediaStack } from '../../examples/custom-stack/lib/custom-media-stack.ts';
import { EnvName } from '../../functions/shared/env-names.ts';
import { parsePipelineContract } from '../../functions/shared/pipeline-contract.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { resources } from './synth.ts';

describe('examples/custom-stack: a user app composing the kit', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CustomMediaStack(app, 'CustomMedia');
  const template = Template.fromStack(stack);

  it('is cdk-nag AwsSolutions clean', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('registers cdk-nag the way bin/app.ts does', () => {
    const source = readFileSync(join(PROJECT_ROOT, 'examples/custom-stack/bin/app.ts'), 'utf8');
    expect(source).toMatch(/import \{ enableNag \} from '\.\.\/\.\.\/\.\.\/lib\/app\.ts'/);
    expect(source).toMatch(/enableNag\(app\)/);
  });

  it('runs the image pipeline under its own names and its own pipeline on the contract', () => {
    const contracts = Object.values(resources(template, 'AWS::Lambda::Function'))
      .map((f) => f.Properties.Environment?.Variables?.[EnvName.PIPELINE_CONTRACT])
      .filter((json): json is string => typeof json === 'string')
      .map((json) => parsePipelineContract(json, 'contract'));
    expect(contracts.map((c) => [c.id, c.ingestPrefix, c.outputPrefix, c.resultDocument]).sort()).toEqual([
      ['checksum', 'incoming/', 'checksums/', 'checksums.json'],
      ['image', 'photos/', 'web/', 'manifest.json'],
    ]);
    expect(contracts.find((c) => c.id === 'checksum')!.errorCodes).toEqual(['CHECKSUM_TIMEOUT', 'CHECKSUM_TOO_LARGE', 'SOURCE_NOT_FOUND']);
    expect(stack.checksums.settings).toEqual({ algorithms: ['sha256', 'md5'], maxInputBytes: 5 * 1024 ** 3 });
  });

  it('is well under 100 lines of infrastructure', () => {
    const lines = ['bin/app.ts', 'lib/custom-media-stack.ts', 'lib/checksum-pipeline.ts']
      .map((file) => readFileSync(join(PROJECT_ROOT, 'examples/custom-stack', file), 'utf8').split('\n').filter((l) => l.trim() !== '').length)
      .reduce((a, b) => a + b, 0);
    expect(lines).toBeLessThan(100);
  });
});
