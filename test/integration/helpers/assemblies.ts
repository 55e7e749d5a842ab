import { ensureAssembly } from '../../../lib/local/assembly/ensure-assembly.ts';
import { PROJECT_ROOT } from '../../../lib/pipelines/paths.ts';

export { PROJECT_ROOT };

/** The `all` preset's assembly, synthesized once and reused while its sources are unchanged. */
export async function presetAssembly(preset = 'all'): Promise<string> {
  return (await ensureAssembly({ projectRoot: PROJECT_ROOT, preset })).directory;
}

/** The test-only failure app (test/integration/fixtures/failure-app.ts), synthesized like a preset. */
export async function failureAppAssembly(): Promise<string> {
  const result = await ensureAssembly({
    projectRoot: PROJECT_ROOT,
    preset: 'test-failures',
    app: 'npx tsx test/integration/fixtures/failure-app.ts',
    inputs: ['lib/constructs', 'lib/pipelines/paths.ts', 'functions/shared', 'test/integration/fixtures', 'cdk.json', 'package-lock.json'],
  });
  return result.directory;
}
