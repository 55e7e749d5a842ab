import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assemblyDirectoryFor, ensureAssembly } from '../../../lib/local/assembly/ensure-assembly.ts';
import { loadAssembly } from '../../../lib/local/assembly/load-assembly.ts';
import { LocalErrorCode } from '../../../lib/local/errors.ts';
import { removeTempDirs, tempDir } from './fixtures/tiny-assembly.ts';
import { PROJECT_ROOT } from '../../../lib/pipelines/paths.ts';

const ROOT = PROJECT_ROOT;

/** A one-bucket CDK app written for the test, so synth takes seconds and touches nothing shared. */
function tinyApp(): { app: string; input: string; extra: string; cacheDir: string; config: string } {
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
  const config = join(dir, 'config.json');
  writeFileSync(config, '{"a":1}');
  return { app: `node ${relative(ROOT, app)}`, input: relative(ROOT, app), extra: relative(ROOT, dirname(extra)), cacheDir: join(dir, 'assemblies'), config };
}

afterAll(removeTempDirs);

describe('ensureAssembly', () => {
  it('names each assembly after its inputs: reused while they are unchanged, a new directory when one changes', async () => {
    const { app, input, extra, cacheDir, config } = tinyApp();
    const options = { projectRoot: ROOT, preset: 'p1', app, inputs: [input, extra], cacheDir };
    const first = await ensureAssembly(options);
    expect(first.synthesized).toBe(true);
    expect(basename(first.directory)).toMatch(/^p1-[0-9a-f]{16}$/);
    expect(first.directory).toBe(assemblyDirectoryFor(options));
    expect(loadAssembly(first.directory).stacks.map((s) => s.stackName)).toEqual(['Tiny-p1']);
    expect(await ensureAssembly(options)).toMatchObject({ synthesized: false, directory: first.directory });

    // Every input of the synth is part of the name (computed without synthesizing).
    const names = new Set([first.directory]);
    const name = (changes: Partial<typeof options> & { context?: Record<string, string> } = {}) => {
      const directory = assemblyDirectoryFor({ ...options, ...changes });
      expect(names.has(directory)).toBe(false);
      names.add(directory);
    };
    name({ preset: 'p2' });
    name({ app: `${app} --extra` });
    name({ context: { config } });
    writeFileSync(config, '{"a":2}'); // the config file counts by its content, not its name
    name({ context: { config } });
    rmSync(join(ROOT, extra, 'extra.json'));
    name();
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(ROOT, input), later, later);
    name();

    const touched = await ensureAssembly(options);
    expect(touched.synthesized).toBe(true);
    expect(touched.directory).toBe([...names].at(-1));
    // The earlier assembly is untouched: a runtime loading from it keeps working.
    expect(loadAssembly(first.directory).stacks.map((s) => s.stackName)).toEqual(['Tiny-p1']);
    // Nothing but finished assemblies is left: no lock, no staging directory.
    expect(readdirSync(cacheDir).sort()).toEqual([basename(first.directory), basename(touched.directory)].sort());
  }, 120_000);

  it('synthesizes inputs once when callers ask at the same time', async () => {
    const { app, input, cacheDir } = tinyApp();
    const options = { projectRoot: ROOT, preset: 'p', app, inputs: [input], cacheDir };
    const [a, b] = await Promise.all([ensureAssembly(options), ensureAssembly(options)]);
    expect(a.directory).toBe(b.directory);
    expect([a.synthesized, b.synthesized].sort()).toEqual([false, true]);
  }, 60_000);

  it('reports a failing synth with its output and leaves nothing behind', async () => {
    const { input, cacheDir } = tinyApp();
    const failing = ensureAssembly({ projectRoot: ROOT, preset: 'p', app: 'node -e "process.exit(3)"', inputs: [input], cacheDir });
    await expect(failing).rejects.toMatchObject({ code: LocalErrorCode.SYNTH_FAILED });
    expect(readdirSync(cacheDir)).toEqual([]);
    expect(existsSync(cacheDir)).toBe(true);
  }, 60_000);

  it('refuses a config file it cannot read, naming it', async () => {
    const { app, input, cacheDir } = tinyApp();
    await expect(ensureAssembly({ projectRoot: ROOT, preset: 'p', app, inputs: [input], cacheDir, context: { config: '/nonexistent/kit.json' } })).rejects.toMatchObject({
      code: LocalErrorCode.USAGE,
      message: expect.stringContaining('/nonexistent/kit.json'),
    });
  });
});
