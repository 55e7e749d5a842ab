import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureAssembly } from '../../../lib/local/assembly/ensure-assembly.ts';
import { loadAssembly } from '../../../lib/local/assembly/load-assembly.ts';
import { LocalErrorCode } from '../../../lib/local/errors.ts';
import { removeTempDirs, tempDir } from './fixtures/tiny-assembly.ts';
import { PROJECT_ROOT } from '../../../lib/pipelines/paths.ts';

const ROOT = PROJECT_ROOT;

/** A one-bucket CDK app written for the test, so synth takes seconds and touches nothing shared. */
function tinyApp(): { app: string; input: string; extra: string; outDir: string } {
  const dir = tempDir('synth-');
  const app = join(dir, 'app.mjs');
  writeFileSync(
    app,
    `import { App, Stack } from 'aws-cdk-lib';
     import * as s3 from 'aws-cdk-lib/aws-s3';
     const app = new App();
     const stack = new Stack(app, 'Tiny-' + app.node.tryGetContext('preset'));
     new s3.Bucket(stack, 'Data');
     app.synth();`,
  );
  const extra = join(dir, 'inputs', 'extra.json');
  mkdirSync(dirname(extra), { recursive: true });
  writeFileSync(extra, '{}');
  return { app: `node ${relative(ROOT, app)}`, input: relative(ROOT, app), extra: relative(ROOT, dirname(extra)), outDir: join(dir, 'assembly') };
}


const siblings = (outDir: string) => readdirSync(dirname(outDir)).filter((e) => e.startsWith(`${basename(outDir)}.`));

afterAll(removeTempDirs);

describe('ensureAssembly', () => {
  it('synthesizes when missing, reuses while fresh, and synthesizes again when an input changes or is deleted', async () => {
    const { app, input, extra, outDir } = tinyApp();
    const options = { projectRoot: ROOT, preset: 'p1', app, inputs: [input, extra], outDir };
    const first = await ensureAssembly(options);
    expect(first.synthesized).toBe(true);
    expect(loadAssembly(first.directory).stacks.map((s) => s.stackName)).toEqual(['Tiny-p1']);
    // The preset's directory names the current version.
    expect(loadAssembly(outDir).stacks.map((s) => s.stackName)).toEqual(['Tiny-p1']);

    const again = await ensureAssembly(options);
    expect(again).toMatchObject({ synthesized: false, directory: first.directory });

    const later = new Date(Date.now() + 5_000);
    utimesSync(join(ROOT, input), later, later);
    const touched = await ensureAssembly(options);
    expect(touched.synthesized).toBe(true);
    expect(touched.directory).not.toBe(first.directory);
    // This process still holds the first version: a runtime loading from it keeps working.
    expect(loadAssembly(first.directory).stacks.map((s) => s.stackName)).toEqual(['Tiny-p1']);

    rmSync(join(ROOT, extra, 'extra.json'));
    const deleted = await ensureAssembly(options);
    expect(deleted.synthesized).toBe(true);

    // Another preset into the same place is never mistaken for this one.
    const other = await ensureAssembly({ ...options, preset: 'p2' });
    expect(other.synthesized).toBe(true);
    expect(loadAssembly(outDir).stacks.map((s) => s.stackName)).toEqual(['Tiny-p2']);

    // Versions nobody holds any more are removed by the next call; held ones stay.
    for (const held of [first, again, touched, deleted]) held.release();
    await ensureAssembly({ ...options, preset: 'p2' });
    expect(existsSync(first.directory)).toBe(false);
    expect(existsSync(touched.directory)).toBe(false);
    expect(existsSync(other.directory)).toBe(true);
    expect(siblings(outDir).filter((e) => !e.includes('.lease-'))).toEqual([basename(other.directory)]);
  }, 90_000);

  it('reports a failing synth with its output and leaves no staging directory behind', async () => {
    const { input, outDir } = tinyApp();
    const failing = ensureAssembly({ projectRoot: ROOT, preset: 'p', app: 'node -e "process.exit(3)"', inputs: [input], outDir });
    await expect(failing).rejects.toMatchObject({ code: LocalErrorCode.SYNTH_FAILED });
    expect(siblings(outDir)).toEqual([]);
  }, 60_000);
});
