import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureAssembly } from '../../lib/local/assembly/ensure-assembly.ts';
import type { RunReport } from '../../lib/local/cli/report.ts';
import { photoJpeg } from '../fixtures/images.ts';
import { PROJECT_ROOT } from './helpers/assemblies.ts';

/** examples/custom-stack synthesized by cdk and run by `media-kit run --assembly`, like a user would. */
describe('examples/custom-stack through the local runtime', () => {
  let assembly: string;
  let dir: string;

  beforeAll(async () => {
    assembly = (
      await ensureAssembly({
        projectRoot: PROJECT_ROOT,
        preset: 'example-custom-stack',
        app: 'npx tsx examples/custom-stack/bin/app.ts',
        inputs: ['examples/custom-stack', 'lib', 'functions', 'cdk.json', 'package-lock.json'],
      })
    ).directory;
    dir = mkdtempSync(join(tmpdir(), 'custom-stack-'));
  }, 300_000);

  function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'media-kit.js'), 'run', '--json', '--assembly', assembly, ...args], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, NO_COLOR: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('checksums an upload with its own pipeline and transcodes a photo under its own names', async () => {
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    writeFileSync(join(dir, 'archive.bin'), data);
    writeFileSync(join(dir, 'cat.jpg'), await photoJpeg(800, 600));

    const checksum = await run(['--pipeline', 'checksum', join(dir, 'archive.bin')]);
    expect(checksum.code, checksum.stderr).toBe(0);
    const [item] = (JSON.parse(checksum.stdout) as RunReport).items;
    expect(item).toMatchObject({ pipeline: 'checksum', key: 'incoming/archive.bin', status: 'succeeded', attempts: 1 });
    expect(item!.result).toEqual({
      pipeline: 'checksum',
      key: 'checksums/archive.bin/checksums.json',
      input: expect.objectContaining({ key: 'incoming/archive.bin', eTag: createHash('md5').update(data).digest('hex') }),
      bytes: data.length,
      digests: { sha256: createHash('sha256').update(data).digest('hex'), md5: createHash('md5').update(data).digest('hex') },
    });
    expect(item!.outputs.map((o) => o.key)).toEqual(['checksums/archive.bin/checksums.json']);

    // Routed by content to the stack's image pipeline, which reads photos/ and writes web/.
    const photo = await run([join(dir, 'cat.jpg')]);
    expect(photo.code, photo.stderr).toBe(0);
    const [image] = (JSON.parse(photo.stdout) as RunReport).items;
    expect(image).toMatchObject({ pipeline: 'image', key: 'photos/cat.jpg', status: 'succeeded' });
    expect(image!.outputs.map((o) => o.key).sort()).toEqual(['web/cat.jpg/card.webp', 'web/cat.jpg/manifest.json']);
  }, 180_000);
});
