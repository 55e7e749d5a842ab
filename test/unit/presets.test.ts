import { describe, expect, it } from 'vitest';
import { KitConfigError, loadKitConfig, presetNames } from '../../lib/presets/index.ts';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(KitConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a KitConfigError');
}

describe('presets', () => {
  it('has one preset per industry of the customer cases, plus all', () => {
    expect(presetNames().sort()).toEqual(['ai', 'all', 'consumer-electronics', 'education', 'entertainment', 'film', 'games'].sort());
  });

  it.each(presetNames())('preset %s validates', (preset) => {
    expect(loadKitConfig({ preset }).preset).toBe(preset);
  });

  it('defaults to all, which enables the image pipeline with the default renditions', () => {
    const config = loadKitConfig();
    expect(config.preset).toBe('all');
    expect(config.pipelines.image?.renditions.map((r) => r.name)).toEqual(['thumbnail', 'medium', 'large']);
    expect(config.pipelines.image?.ingestPrefix).toBe('uploads/');
  });

  it('merges an override: objects merge, arrays replace', () => {
    const config = loadKitConfig({
      preset: 'entertainment',
      override: { architecture: 'arm64', pipelines: { image: { limits: { maxInputPixels: 50_000_000 }, renditions: [{ name: 'only' }] } } },
    });
    expect(config.architecture).toBe('arm64');
    expect(config.pipelines.image?.limits).toMatchObject({ maxInputPixels: 50_000_000, maxFrames: 100 });
    expect(config.pipelines.image?.renditions.map((r) => r.name)).toEqual(['only']);
  });

  it('null in an override removes what the preset set, e.g. a pipeline', () => {
    expect(loadKitConfig({ preset: 'entertainment', override: { pipelines: { image: null } } }).pipelines.image).toBeUndefined();
  });
});

describe('config validation errors name the problem', () => {
  it('an output prefix under failures/ is rejected', () => {
    expect(configError(() => loadKitConfig({ override: { pipelines: { image: { outputPrefix: 'failures/img/' } } } }))).toMatch(
      /pipelines\.image\.outputPrefix: must not be under 'failures\/'/,
    );
  });

  it('an unknown preset lists the presets', () => {
    expect(configError(() => loadKitConfig({ preset: 'nope' }))).toBe(
      "Unknown preset 'nope' (choose one of: all, entertainment, education, film, games, ai, consumer-electronics)",
    );
  });

  it('a misspelt field names the path and the allowed fields', () => {
    const message = configError(() =>
      loadKitConfig({ override: { pipelines: { image: { renditons: [] } } }, overrideSource: 'my-config.json' }),
    );
    expect(message).toContain("with my-config.json");
    expect(message).toMatch(/pipelines\.image\.renditons: unknown field \(allowed: .*renditions/);
  });

  it('a bad value names the field and what is allowed', () => {
    const message = configError(() => loadKitConfig({ override: { pipelines: { image: { renditions: [{ name: 'x', format: 'bmp' }] } } } }));
    expect(message).toMatch(/pipelines\.image\.renditions\.0\.format: .*"jpeg"\|"webp"\|"avif"\|"png"\|"original"/);
  });

  it('a limit out of range is rejected', () => {
    expect(configError(() => loadKitConfig({ override: { pipelines: { image: { maxConcurrency: 1 } } } }))).toMatch(
      /pipelines\.image\.maxConcurrency/,
    );
  });

  it('duplicate rendition names are rejected', () => {
    const message = configError(() => loadKitConfig({ override: { pipelines: { image: { renditions: [{ name: 'a' }, { name: 'a' }] } } } }));
    expect(message).toMatch(/rendition names must be unique/);
  });

  it('a prefix without a trailing slash is rejected', () => {
    expect(configError(() => loadKitConfig({ override: { pipelines: { image: { ingestPrefix: 'uploads' } } } }))).toMatch(
      /pipelines\.image\.ingestPrefix: a key prefix/,
    );
  });

  it('a time budget the batch cannot fit in the timeout is rejected, naming the fields', () => {
    const message = configError(() =>
      loadKitConfig({ override: { pipelines: { image: { timeoutSeconds: 60, batchSize: 5, timeBudgetSeconds: 20 } } } }),
    );
    expect(message).toContain(
      'pipelines.image.timeBudgetSeconds: batchSize 5 × timeBudgetSeconds 20 = 100 s does not fit in timeoutSeconds 60 less its 6 s reserve; lower timeBudgetSeconds or batchSize, or raise timeoutSeconds',
    );
  });

  it('the default time budget always fits, whatever the timeout and batch size', () => {
    for (const [timeoutSeconds, batchSize] of [[1, 1], [1, 9], [60, 5], [900, 100], [3, 100]] as const) {
      const config = loadKitConfig({ override: { pipelines: { image: { timeoutSeconds, batchSize } } } });
      expect(config.pipelines.image?.timeBudgetSeconds).toBeUndefined();
    }
    expect(configError(() => loadKitConfig({ override: { pipelines: { image: { timeBudgetSeconds: 0 } } } }))).toMatch(
      /pipelines\.image\.timeBudgetSeconds: .*0\.1/,
    );
  });

  it('an override that is not an object is rejected', () => {
    expect(configError(() => loadKitConfig({ override: [1, 2], overrideSource: 'x.json' }))).toBe('x.json must be a JSON object');
  });
});
