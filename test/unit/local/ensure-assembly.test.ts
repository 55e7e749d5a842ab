import { utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureAssembly } from '../../../lib/local/assembly/ensure-assembly.ts';
import { loadAssembly } from '../../../lib/local/assembly/load-assembly.ts';
import { LocalErrorCode } from '../../../lib/local/errors.ts';
import { removeTempDirs, tempDir } from './fixtures/tiny-assembly.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** A one-bucket CDK app written for the test, so synth takes seconds and touches nothing shared. */
function tinyApp(): { app: string; input: string; outDir: string } {
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
  return { app: `node ${relative(ROOT, app)}`, input: relative(ROOT, app), outDir: join(dir, 'assembly') };
}

afterAll(removeTempDirs);

describe('ensureAssembly', () => {
  it('synthesizes when missing, reuses while fresh, and synthesizes again when an input changes', async () => {
    const { app, input, outDir } = tinyApp();
    const options = { projectRoot: ROOT, preset: 'p1', app, inputs: [input], outDir };
    const first = await ensureAssembly(options);
    expect(first).toMatchObject({ directory: outDir, synthesized: true });
    expect(loadAssembly(outDir).stacks.map((s) => s.stackName)).toEqual(['Tiny-p1']);

    expect(await ensureAssembly(options)).toMatchObject({ synthesized: false });

    const later = new Date(Date.now() + 5_000);
    utimesSync(join(ROOT, input), later, later);
    expect(await ensureAssembly(options)).toMatchObject({ synthesized: true });

    // Another preset into the same directory is never mistaken for this one.
    const other = await ensureAssembly({ ...options, preset: 'p2' });
    expect(other.synthesized).toBe(true);
    expect(loadAssembly(outDir).stacks.map((s) => s.stackName)).toEqual(['Tiny-p2']);
  }, 60_000);

  it('reports a failing synth with its output', async () => {
    const { input, outDir } = tinyApp();
    const failing = ensureAssembly({ projectRoot: ROOT, preset: 'p', app: 'node -e "process.exit(3)"', inputs: [input], outDir });
    await expect(failing).rejects.toMatchObject({ code: LocalErrorCode.SYNTH_FAILED });
  }, 60_000);
});
