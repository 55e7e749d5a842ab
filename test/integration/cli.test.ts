import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/local/cli/report.ts';
import { animatedGif, photoJpeg, truncatedJpeg } from '../fixtures/images.ts';
import { directEnvironment, directNotificationResources, removeTempDirs, writeTinyAssembly } from '../unit/local/fixtures/tiny-assembly.ts';
import { failureAppAssembly, presetAssembly, PROJECT_ROOT } from './helpers/assemblies.ts';

const CLI = join(PROJECT_ROOT, 'bin', 'media-kit.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with everything written so far once `pattern` appears in the stream. */
function waitForOutput(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${pattern} in:\n${text}`)), timeoutMs);
    child[stream]!.on('data', (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

afterAll(removeTempDirs);

describe('media-kit CLI', () => {
  let dir: string;
  beforeAll(async () => {
    await presetAssembly('all');
    dir = mkdtempSync(join(tmpdir(), 'media-kit-cli-'));
    writeFileSync(join(dir, 'sea view.jpg'), await photoJpeg(640, 480));
    writeFileSync(join(dir, 'spin.gif'), await animatedGif(3, 32));
    writeFileSync(join(dir, 'broken.jpg'), await truncatedJpeg());
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
  }, 240_000);

  it('run --json prints exactly the report, downloads outputs, and exits 2 when an item failed', async () => {
    const out = join(dir, 'out');
    const files = [join(dir, 'sea view.jpg'), join(dir, 'spin.gif'), join(dir, 'broken.jpg')];
    const result = await cli(['run', '--json', '--out', out, ...files]);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.preset).toBe('all');
    expect(report.summary).toMatchObject({ succeeded: 2, failed: 1 });
    expect(report.summary.wallMs).toBeGreaterThan(0);
    const [sea, spin, broken] = report.items;
    expect(sea).toMatchObject({ input: files[0], pipeline: 'image', key: 'uploads/sea view.jpg', status: 'succeeded', attempts: 1 });
    // Every item names its task in the task table, and its fields come in DESIGN.md's order.
    expect(report.items.map((item) => item.taskId)).toEqual(report.items.map(() => expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/)));
    expect(Object.keys(sea!).slice(0, 4)).toEqual(['input', 'pipeline', 'taskId', 'key']);
    expect(sea!.durationMs).toBeGreaterThan(0);
    expect(sea!.result).toMatchObject({ pipeline: 'image', key: 'image/sea view.jpg/manifest.json' });
    // Every rendition the manifest lists, and the manifest itself, with what S3 says about each.
    const manifest = sea!.result as { key: string; renditions: { key: string; bytes: number; contentType: string }[] };
    expect(sea!.outputs.map((o) => o.key).sort()).toEqual([...manifest.renditions.map((r) => r.key), manifest.key].sort());
    for (const rendition of manifest.renditions) {
      expect(sea!.outputs.find((o) => o.key === rendition.key)).toMatchObject({ bytes: rendition.bytes, contentType: rendition.contentType });
    }
    for (const output of sea!.outputs) {
      expect(output.path).toBe(join(out, 'image', 'sea view.jpg', output.key.split('/').at(-1)!));
      expect(readFileSync(output.path!).length).toBe(output.bytes);
    }
    expect(sea).not.toHaveProperty('error');
    expect(spin).toMatchObject({ status: 'succeeded', key: 'uploads/spin.gif' });
    expect(broken).toMatchObject({ status: 'failed', key: 'uploads/broken.jpg', error: { code: 'IMAGE_CORRUPT' }, outputs: [] });
    expect(existsSync(join(out, 'failures', 'uploads', 'broken.jpg.json'))).toBe(true);
  }, 120_000);

  it('run exits 1 and reports what is not terminal when the timeout passes', async () => {
    const result = await cli(['run', '--json', '--timeout', '0', join(dir, 'spin.gif')]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.items[0]).toMatchObject({ key: 'uploads/spin.gif', status: 'pending', error: { code: 'TIMEOUT' } });
    expect(report.summary).toMatchObject({ succeeded: 0, failed: 0, pending: 1 });
  }, 120_000);

  it('run exits 1 at its timeout and the process ends, even with invocations queued behind a busy function', async () => {
    const assembly = writeTinyAssembly({
      functions: [
        {
          logicalId: 'Direct',
          source: `exports.handler = async () => { await new Promise((r) => setTimeout(r, 60000)); };`,
          timeout: 120,
          reservedConcurrency: 1,
          environment: directEnvironment(),
        },
      ],
      resources: directNotificationResources('Direct'),
    });
    const files = ['q1.jpg', 'q2.jpg', 'q3.jpg'].map((name) => join(dir, name));
    for (const file of files) writeFileSync(file, 'x');
    const started = Date.now();
    const result = await cli(['run', '--json', '--assembly', assembly, '--pipeline', 'image', '--timeout', '2', ...files]);
    expect(result.code).toBe(1);
    // Stopping gives in-flight work 3 s; nothing queued may start an environment that keeps the process alive.
    expect(Date.now() - started).toBeLessThan(30_000);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.items.map((i) => i.status)).toEqual(['pending', 'pending', 'pending']);
  }, 60_000);

  it('run exits 0 when everything succeeded and prints one line per task', async () => {
    const result = await cli(['run', join(dir, 'spin.gif')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ image\s+uploads\/spin\.gif/);
    expect(result.stdout).toMatch(/1 succeeded, 0 failed/);
  }, 120_000);

  it('runs the hardened assembly (KMS, a VPC, alerts, the dashboard): VPC resources not needed, KMS named once', { timeout: 240_000 }, async () => {
    const result = await cli(['run', '--preset', 'entertainment', '--config', join(PROJECT_ROOT, 'hardened.json'), '--json', join(dir, 'spin.gif')]);
    expect(result.stderr).toMatch(/resources not needed locally: IAM, policies, logs, alarms, VPC/);
    expect(result.stderr.match(/KMS is not applied locally: \d+ resources/g)).toHaveLength(1);
    const report = JSON.parse(result.stdout) as { items: { status: string; pipeline: string }[] };
    expect(report.items).toEqual([expect.objectContaining({ pipeline: 'image', status: 'succeeded' })]);
    expect(result.code).toBe(0);
  });

  it('refuses input it cannot route, a pipeline the preset lacks, and unknown presets, with exit 1', { timeout: 240_000 }, async () => {
    const text = await cli(['run', join(dir, 'notes.txt')]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/UNROUTABLE_INPUT/);
    // The games preset has no image pipeline (settlement is its business).
    const games = await cli(['run', '--preset', 'games', join(dir, 'spin.gif')]);
    expect(games.code).toBe(1);
    expect(games.stderr).toMatch(/UNKNOWN_PIPELINE Preset 'games' has no image pipeline/);
    const unknown = await cli(['run', '--pipeline', 'audio', join(dir, 'spin.gif')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/UNKNOWN_PIPELINE Unknown pipeline 'audio'/);
    const preset = await cli(['run', '--preset', 'nope', join(dir, 'spin.gif')]);
    expect(preset.code).toBe(1);
    expect(preset.stderr).toMatch(/UNKNOWN_PRESET/);
  });

  it('run reports a dead letter within its default timeout: visibility timeouts run on the local time scale', async () => {
    // Wired like the image pipeline: 360 s visibility, 3 receives, so 18 minutes to the DLQ on AWS's clock.
    const assembly = await failureAppAssembly();
    const file = join(dir, 'doomed.jpg');
    writeFileSync(file, 'any bytes: the worker fails transiently whatever it gets');
    const started = Date.now();
    const result = await cli(['run', '--json', '--assembly', assembly, '--pipeline', 'image', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/time scale 60x: queue visibility timeouts and retry delays run 60 times faster than on AWS \(a 360 s visibility timeout takes 6 s\); handler timeouts are real/);
    const report = JSON.parse(result.stdout) as RunReport;
    expect(report.items).toEqual([
      expect.objectContaining({ input: file, pipeline: 'image', key: 'uploads/doomed.jpg', status: 'failed', attempts: 3, error: expect.objectContaining({ code: 'DEAD_LETTERED' }) }),
    ]);
    expect(report.summary).toMatchObject({ succeeded: 0, failed: 1 });
    // Three 6 s visibility timeouts, well within the default 300 s.
    expect(Date.now() - started).toBeLessThan(120_000);
  }, 240_000);

  it('dev and run take --config, refuse it beside --assembly, and refuse a bad --time-scale', async () => {
    const config = join(dir, 'kit.json');
    writeFileSync(config, '{}');
    const both = await cli(['run', '--assembly', dir, '--config', config, join(dir, 'spin.gif')]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/USAGE --config changes what is synthesized; with --assembly nothing is/);
    const missing = await cli(['run', '--config', join(dir, 'no-such.json'), join(dir, 'spin.gif')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/USAGE Cannot read the config file .*no-such\.json/);
    const scale = await cli(['dev', '--time-scale', '0.5']);
    expect(scale.code).toBe(1);
    expect(scale.stderr).toMatch(/USAGE --time-scale takes a number of 1 or more/);
  }, 60_000);

  it('presets lists every preset with its pipelines', async () => {
    const result = await cli(['presets', '--json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { name: string; pipelines: string[]; default: boolean }[];
    expect(rows.find((r) => r.name === 'all')).toMatchObject({ default: true, pipelines: expect.arrayContaining(['image']) });
    expect(rows.map((r) => r.name)).toContain('games');
  }, 60_000);

  describe('dev and upload', () => {
    let dev: ChildProcess;
    const stateDir = mkdtempSync(join(tmpdir(), 'media-kit-state-'));
    afterAll(() => {
      if (dev && dev.exitCode === null) dev.kill('SIGKILL');
    });

    it('boots, shows the demo outcomes, takes uploads from another process, and stops on Ctrl-C', async () => {
      dev = spawn(process.execPath, [CLI, 'dev', '--port', '0'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, NO_COLOR: '1', MEDIA_KIT_STATE_DIR: stateDir },
      });
      let demo = '';
      dev.stdout!.on('data', (d: Buffer) => (demo += d.toString()));
      // `serving on` is printed once every demo upload is terminal.
      await waitForOutput(dev, 'stderr', /serving on http:\/\/127\.0\.0\.1:\d+/);
      const lines = demo.split('\n').filter((l) => /^[✓✗] image/.test(l));
      expect(lines).toHaveLength(4);
      // The settlement demo: a sampled battle and its copy succeed (settled, duplicate), the flipped one fails.
      const battles = demo.split('\n').filter((l) => /^[✓✗] settlement/.test(l));
      expect(battles.filter((l) => l.startsWith('✓')).map((l) => l.match(/battles\/(\S+)/)![1]).sort()).toEqual(['demo-battle-again.json', 'demo-battle.json']);
      expect(battles.find((l) => l.startsWith('✗'))).toMatch(/battles\/demo-battle-flipped\.json\s+BATTLE_CHEAT_RESULT/);
      expect(lines.filter((l) => l.startsWith('✓')).map((l) => /uploads\/(\S+)/.exec(l)![1]).sort()).toEqual([
        'demo-alpha.png',
        'demo-animated.gif',
        'demo-photo.jpg',
      ]);
      const videoLines = demo.split('\n').filter((l) => /^[✓✗] video/.test(l));
      expect(videoLines.find((l) => l.includes('videos/demo-clip.mp4'))).toMatch(/^✓/);
      expect(videoLines.find((l) => l.includes('videos/demo-voice-memo.m4a'))).toMatch(/^✗.*VIDEO_NO_VIDEO_STREAM/);
      expect(demo).toMatch(/endpoint\s+http:\/\/127\.0\.0\.1:\d+/);

      const state = JSON.parse(readFileSync(join(stateDir, 'dev.json'), 'utf8')) as { pid: number; endpoint: string };
      expect(state.pid).toBe(dev.pid);
      const next = waitForOutput(dev, 'stdout', /✓ image\s+uploads\/sea view\.jpg/);
      const upload = await cli(['upload', join(dir, 'sea view.jpg')], { MEDIA_KIT_STATE_DIR: stateDir });
      expect(upload.code).toBe(0);
      expect(upload.stdout).toMatch(/uploaded .*sea view\.jpg → s3:\/\/\S+\/uploads\/sea view\.jpg/);
      await next;

      const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
      dev.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(existsSync(join(stateDir, 'dev.json'))).toBe(false);
      const journal = readFileSync(join(stateDir, 'dev-tasks.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      // Per pipeline: 4 image demo tasks plus the upload from another process, 3 settlement, 2 video, 3 inference.
      expect(journal.filter((e) => e.type === 'task' && e.pipeline === 'image')).toHaveLength(5);
      expect(journal.filter((e) => e.type === 'task' && e.pipeline === 'settlement')).toHaveLength(3);
      expect(journal.filter((e) => e.type === 'task' && e.pipeline === 'video')).toHaveLength(2);
      expect(journal.filter((e) => e.type === 'task' && e.pipeline === 'inference' && e.status === 'succeeded')).toHaveLength(3);
      expect(journal).toContainEqual(
        expect.objectContaining({ type: 'invocation', inputKeys: expect.arrayContaining(['uploads/sea view.jpg']), outcome: 'succeeded' }),
      );
      const afterwards = await cli(['upload', join(dir, 'sea view.jpg')], { MEDIA_KIT_STATE_DIR: stateDir });
      expect(afterwards.code).toBe(1);
      expect(afterwards.stderr).toMatch(/NOT_RUNNING/);
    }, 120_000);
  });
});
