import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { addKit, COMPLIANCE_PACKS, nagPacks } from '../../lib/app.ts';
import { loadKitConfig, presetNames } from '../../lib/presets/index.ts';
import { synthKit } from './synth.ts';

describe('cdk-nag AwsSolutions and Serverless (the packs every synth runs)', () => {
  it.each(presetNames())('preset %s has no unacknowledged finding', (preset) => {
    const { app, stack } = synthKit(preset, undefined, { nag: false });
    for (const pack of nagPacks(app)) expect(pack.validateScope(stack).violations, pack.constructor.name).toEqual([]);
  });

  it('fails synth on a finding nobody acknowledged', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = addKit(app, loadKitConfig({ preset: 'games' }));
    new s3.Bucket(stack, 'Unguarded');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1[\s\S]*Unguarded/);
  });

  it('records a reason with every acknowledgement', () => {
    const { stack } = synthKit('all', undefined, { nag: false });
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acks.length).toBeGreaterThan(5);
    for (const [id, reason] of acks) {
      expect(id).toMatch(/^(Annotation::)?(AwsSolutions|Serverless|NIST\.800\.53\.R5|HIPAA\.Security)-[A-Za-z0-9]+/);
      expect(reason.length, id).toBeGreaterThan(30);
    }
  });
});

/** The shipped example of every switch on (README, "Security"). */
const HARDENED = JSON.parse(readFileSync(join(import.meta.dirname, '../../hardened.json'), 'utf8')) as unknown;

describe('cdk-nag with every switch on (hardened.json)', () => {
  it.each(presetNames().flatMap((preset) => COMPLIANCE_PACKS.map((pack) => [preset, pack] as const)))(
    'preset %s passes AwsSolutions, Serverless and %s',
    (preset, compliance) => {
      const { app, stack } = synthKit(preset, HARDENED, { nag: false });
      for (const pack of nagPacks(app, compliance)) expect(pack.validateScope(stack).violations, pack.constructor.name).toEqual([]);
    },
  );

  it('the NIST pack finds what the switches fix when they are off', () => {
    const { app, stack } = synthKit('games', undefined, { nag: false });
    const nist = nagPacks(app, 'nist').at(-1)!;
    const rules = nist.validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['NIST.800.53.R5-LambdaInsideVPC', 'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'NIST.800.53.R5-CloudWatchAlarmAction']));
  });
});

describe('synth', () => {
  it('is deterministic with every switch on', () => {
    const a = JSON.stringify(synthKit('all', HARDENED).template.toJSON());
    const b = JSON.stringify(synthKit('all', HARDENED).template.toJSON());
    expect(a).toBe(b);
  });

  it.each(['all', 'entertainment', 'games'])('is deterministic for %s', (preset) => {
    const a = JSON.stringify(synthKit(preset).template.toJSON());
    const b = JSON.stringify(synthKit(preset).template.toJSON());
    expect(a).toBe(b);
  });

  it('is deterministic with bundling on, in two separate processes: same templates, same asset hashes', async () => {
    const synthInProcess = (outdir: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
          env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ preset: 'all' }), CDK_OUTDIR: outdir },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`synth exited ${code}: ${stderr.slice(-2000)}`))));
      });
    const dirs = [mkdtempSync(join(tmpdir(), 'kit-synth-a-')), mkdtempSync(join(tmpdir(), 'kit-synth-b-'))];
    try {
      await Promise.all(dirs.map(synthInProcess));
      const [a, b] = dirs.map((dir) => ({
        template: readFileSync(join(dir, 'MediaKit-all.template.json'), 'utf8'),
        assets: JSON.parse(readFileSync(join(dir, 'MediaKit-all.assets.json'), 'utf8')) as { files: Record<string, unknown> },
        bundles: readdirSync(dir).filter((entry) => entry.startsWith('asset.')).sort(),
      }));
      expect(a!.template).toBe(b!.template);
      expect(Object.keys(a!.assets.files).sort()).toEqual(Object.keys(b!.assets.files).sort());
      // Bundled assets are hashed from their output: equal names mean byte-identical bundles.
      expect(a!.bundles).toEqual(b!.bundles);
      expect(a!.bundles.length).toBeGreaterThan(0);
      const fnCode = JSON.parse(a!.template) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
      const keys = Object.values(fnCode.Resources).flatMap((r) => (r.Type === 'AWS::Lambda::Function' && r.Properties.Code?.S3Key ? [r.Properties.Code.S3Key] : []));
      for (const key of keys) expect(a!.bundles).toContain(`asset.${key.replace(/\.zip$/, '')}`);
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('bin/app.ts reports configuration errors', () => {
  function runApp(context: Record<string, string>) {
    const outdir = mkdtempSync(join(tmpdir(), 'kit-synth-'));
    return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...context, 'aws:cdk:bundling-stacks': [] }), CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });
  }

  it('names an unknown preset and exits 1', () => {
    const result = runApp({ preset: 'nope' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Unknown preset 'nope' (choose one of: all,");
  });

  it('names a misspelt field of a config file and exits 1', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kit-config-')), 'config.json');
    writeFileSync(file, JSON.stringify({ pipelines: { image: { renditons: [] } } }));
    const result = runApp({ preset: 'entertainment', config: file });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/pipelines\.image\.renditons: unknown field \(allowed: .*renditions/);
  });

  it('names a config file that is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kit-config-')), 'config.json');
    writeFileSync(file, '{ nope');
    const result = runApp({ config: file });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Cannot read config file ${file}`);
  });

  it('names an unknown compliance pack and exits 1', () => {
    const result = runApp({ preset: 'games', compliance: 'sox' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Unknown compliance pack 'sox' (choose one of: nist, hipaa)");
  });

  it('fails synth under the NIST pack without the switches, naming the finding', () => {
    const result = runApp({ preset: 'games', compliance: 'nist' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('NIST.800.53.R5-LambdaInsideVPC');
  });

  it('synthesizes hardened.json under the NIST pack', () => {
    const result = runApp({ preset: 'games', compliance: 'nist', config: join(import.meta.dirname, '../../hardened.json') });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
  });

  it('synthesizes a valid preset', () => {
    const result = runApp({ preset: 'games' });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
  });
});
