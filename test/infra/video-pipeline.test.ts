import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { KitEventBus, KitEventSubscription } from '../../lib/constructs/kit-event-bus.ts';
import { KitStorage } from '../../lib/constructs/kit-storage.ts';
import { loadKitConfig } from '../../lib/presets/index.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { videoPipelineConfigSchema } from '../../lib/pipelines/video-pipeline-config.ts';
import { videoCommandHooks } from '../../lib/pipelines/video-packaging.ts';
import { VideoPipeline } from '../../lib/pipelines/video-pipeline.ts';
import { resources, synthKit } from './synth.ts';

/** The video function's role policy statements, flattened. */
function videoStatements(template: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  const policies = resources(template, 'AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith('VideoPipelineCaptureRole'))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
}
const actionsOf = (s: { Action: string | string[] }) => [s.Action].flat();
const statementFor = (template: Template, action: string) => videoStatements(template).filter((s) => actionsOf(s).includes(action));
/** `<bucket logical id>/<prefix>*` of an object ARN as the template writes it (Fn::Join of the bucket's Arn and the suffix). */
function arnPaths(resource: unknown): string[] {
  return [resource].flat().map((r) => {
    const join = (r as { 'Fn::Join'?: [string, [{ 'Fn::GetAtt': [string, string] }, string]] })['Fn::Join'];
    if (!join) return JSON.stringify(r);
    const [getAtt, suffix] = join[1];
    return `${getAtt['Fn::GetAtt'][0].replace(/Bucket[0-9A-F]{8}$/, '')}${suffix}`;
  });
}

describe('video pipeline infrastructure', () => {
  it.each(['education', 'film', 'consumer-electronics', 'all'])('preset %s: cdk-nag AwsSolutions clean', (preset) => {
    const { stack } = synthKit(preset, undefined, { nag: false });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('rekognition as provider: nag clean, and DetectModerationLabels granted only then', () => {
    const nsfwjs = synthKit('film').template;
    expect(statementFor(nsfwjs, 'rekognition:DetectModerationLabels')).toEqual([]);
    const { stack, template } = synthKit('film', { pipelines: { video: { moderation: { provider: 'rekognition' } } } }, { nag: false });
    expect(statementFor(template, 'rekognition:DetectModerationLabels')).toHaveLength(1);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('a function sized for video, with the packaged binaries named relative to its code', () => {
    const { template } = synthKit('film');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('video pipeline'),
      MemorySize: 2048,
      Timeout: 900,
      EphemeralStorage: { Size: 4096 },
      Architectures: ['x86_64'],
      Environment: { Variables: Match.objectLike({ FFMPEG_PATH: 'bin/ffmpeg', FFPROBE_PATH: 'bin/ffprobe', TFJS_WASM_DIR: 'wasm' }) },
    });
    const [mapping] = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping'));
    expect(mapping!.Properties).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    const settings = JSON.parse(Object.values(resources(template, 'AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.PIPELINE_SETTINGS)!.Properties.Environment.Variables.PIPELINE_SETTINGS);
    expect(settings).toMatchObject({ strategy: 'scene', hls: { enabled: true, segmentSeconds: 6 }, moderation: { provider: 'nsfwjs' } });
  });

  it('arm64: ffmpeg only (the probe runs on it), no ffprobe named', () => {
    const { template } = synthKit('film', { architecture: 'arm64' });
    const fn = Object.values(resources(template, 'AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.FFMPEG_PATH)!;
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    expect(fn.Properties.Environment.Variables.FFPROBE_PATH).toBeUndefined();
  });

  it('grants are scoped to prefixes: tagging on ingest videos/ only, quarantine writes under quarantine/ only', () => {
    const { template } = synthKit('film');
    const tagging = statementFor(template, 's3:PutObjectTagging');
    expect(tagging).toHaveLength(1);
    expect(arnPaths(tagging[0]!.Resource)).toEqual(['StorageIngest/videos/*']);
    const writes = statementFor(template, 's3:PutObject').flatMap((s) => arnPaths(s.Resource));
    expect(writes.sort()).toEqual(['StorageResults/failures/videos/*', 'StorageResults/quarantine/*', 'StorageResults/video/*']);
    const reads = statementFor(template, 's3:GetObject').flatMap((s) => arnPaths(s.Resource));
    expect(reads.sort()).toEqual(['StorageIngest/videos/*', 'StorageResults/failures/videos/*', 'StorageResults/video/*']);
  });

  it('the results bucket policy denies reading quarantine/ to everyone but the reviewer role', () => {
    const { template } = synthKit('education');
    const reviewer = Object.keys(resources(template, 'AWS::IAM::Role')).find((id) => id.startsWith('VideoPipelineReviewerRole'))!;
    const policies = Object.values(resources(template, 'AWS::S3::BucketPolicy'));
    const deny = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>).find((s) => s.Sid === 'QuarantineReadableByReviewersOnly')!;
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: ['s3:GetObject', 's3:GetObjectVersion'] });
    expect(arnPaths(deny.Resource)).toEqual(['StorageResults/quarantine/*']);
    expect(deny.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [reviewer, 'Arn'] } } });
    const off = synthKit('education', { pipelines: { video: { quarantine: { enabled: false } } } }).template;
    expect(JSON.stringify(resources(off, 'AWS::S3::BucketPolicy'))).not.toContain('QuarantineReadableByReviewersOnly');
  });

  it('no tagging grant when tagging is off; no quarantine grant when quarantine is off', () => {
    const noTag = synthKit('film', { pipelines: { video: { quarantine: { tagOriginal: false } } } }).template;
    expect(statementFor(noTag, 's3:PutObjectTagging')).toEqual([]);
    const off = synthKit('film', { pipelines: { video: { quarantine: { enabled: false } } } }).template;
    expect(statementFor(off, 's3:PutObject').some((s) => JSON.stringify(s.Resource).includes('/quarantine/'))).toBe(false);
  });

  it('a reviewer role, output by the stack, reads quarantine/ and video/ and nothing else', () => {
    const { template } = synthKit('education');
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).some((k) => k.startsWith('VideoPipelineReviewerRoleArn'))).toBe(true);
    const reviewer = Object.entries(resources(template, 'AWS::IAM::Policy')).find(([id]) => id.startsWith('VideoPipelineReviewerRole'))!;
    const statements = reviewer[1].Properties.PolicyDocument.Statement as Array<{ Action: string[]; Resource: unknown }>;
    const reads = statements.find((s) => [s.Action].flat().includes('s3:GetObject'))!;
    expect(arnPaths(reads.Resource)).toEqual(['StorageResults/quarantine/*', 'StorageResults/video/*']);
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']);
  });

  it('with a bus: PutEvents on that bus only, its name in the environment; a reviewer subscribes in one line', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Custom');
    const storage = new KitStorage(stack, 'Storage');
    const events = new KitEventBus(stack, 'Events');
    const pipeline = new VideoPipeline(stack, 'Video', {
      ingestBucket: storage.ingestBucket,
      resultsBucket: storage.resultsBucket,
      config: videoPipelineConfigSchema.parse({}),
      bus: events.bus,
      reviewerPrincipal: new iam.AccountPrincipal('111122223333'),
    });
    const inbox = new sqs.Queue(stack, 'ReviewInbox', { enforceSSL: true });
    new KitEventSubscription(stack, 'Reviewers', { bus: events.bus, pipeline: 'video', detailTypes: ['Moderation Verdict'], target: inbox });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ KIT_BUS_NAME: { Ref: Match.stringLikeRegexp('^EventsBus') } }) } });
    const putEvents = Object.entries(resources(template, 'AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('VideoCaptureRole'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<{ Action: string; Resource: unknown }>)
      .filter((s) => [s.Action].flat().includes('events:PutEvents'));
    expect(putEvents).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsBus/), 'Arn'] } })]);
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['media-kit'], 'detail-type': ['Moderation Verdict'], detail: { pipeline: ['video'] } } });
    expect(pipeline.reviewerRole).toBeDefined();
  });

  it('config: refuses too little memory and a quarantine prefix inside the outputs', () => {
    expect(() => loadKitConfig({ preset: 'film', override: { pipelines: { video: { memorySize: 1024 } } } })).toThrow(/2048/);
    expect(() => loadKitConfig({ preset: 'film', override: { pipelines: { video: { quarantine: { prefix: 'video/q/' } } } } })).toThrow(/quarantine/);
    expect(() => loadKitConfig({ preset: 'film', override: { pipelines: { video: { maxInputBytes: 8 * 1024 ** 3 } } } })).toThrow(/maxInputBytes|tmp/);
  });

  it('packaging copies only the linux binaries of the architecture, and one model', () => {
    const x64 = videoCommandHooks('x86_64', PROJECT_ROOT).afterBundling('/in', '/out').join('\n');
    expect(x64).toContain("'/in/node_modules/@ffmpeg-installer/linux-x64/ffmpeg' '/out/bin/ffmpeg'");
    expect(x64).toContain("'/in/node_modules/ffprobe-static/bin/linux/x64/ffprobe' '/out/bin/ffprobe'");
    expect(x64).toContain('nsfwjs/dist/models/mobilenet_v2');
    expect(x64).not.toMatch(/darwin|win32|ia32|inception|mobilenet_v2_mid/);
    const arm = videoCommandHooks('arm64', PROJECT_ROOT).afterBundling('/in', '/out').join('\n');
    expect(arm).toMatch(/npm install .*--os=linux --cpu=arm64 .*@ffmpeg-installer\/linux-arm64@\d+\.\d+\.\d+/);
    expect(arm).not.toMatch(/ffprobe|linux-x64/);
  });
});
