import { describe, expect, it } from 'vitest';
import { isPermanentError } from '../../../functions/shared/errors.ts';
import { InferenceErrorCode } from '../../../functions/inference/errors.ts';
import { looksLikeJobManifest, parseJobManifest } from '../../../functions/inference/manifest.ts';

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
function failure(input: unknown, maxImages = 4) {
  try {
    parseJobManifest(input instanceof Uint8Array ? input : bytes(input), { maxImages });
  } catch (error) {
    expect(isPermanentError(error)).toBe(true);
    return error as Error & { code: string; details: Record<string, unknown> };
  }
  throw new Error('expected the manifest to be refused');
}

describe('job manifests', () => {
  it('accepts images with an optional model and topK', () => {
    expect(parseJobManifest(bytes({ images: ['jobs/a.jpg', 'jobs/b.png'], topK: 2, model: 'ad-safety' }))).toEqual({ images: ['jobs/a.jpg', 'jobs/b.png'], topK: 2, model: 'ad-safety' });
    expect(parseJobManifest({ images: ['x.jpg'] })).toEqual({ images: ['x.jpg'] });
  });

  it('refuses an empty manifest and one over the image limit with their own codes', () => {
    expect(failure({ images: [] }).code).toBe(InferenceErrorCode.INFERENCE_MANIFEST_EMPTY);
    const tooLarge = failure({ images: ['1', '2', '3', '4', '5'] });
    expect(tooLarge.code).toBe(InferenceErrorCode.INFERENCE_MANIFEST_TOO_LARGE);
    expect(tooLarge.details).toEqual({ images: 5, maxImages: 4 });
    expect(tooLarge.message).toMatch(/5 images, over the limit of 4/);
  });

  it('names the field path of a schema violation', () => {
    const cases: Array<[unknown, string]> = [
      [{ images: ['a.jpg', 42] }, 'images[1]'],
      [{ images: ['a.jpg', ''] }, 'images[1]'],
      [{ images: ['a.jpg'], topK: 0 }, 'topK'],
      [{ images: ['a.jpg'], topK: 2.5 }, 'topK'],
      [{ images: ['a.jpg'], topk: 2 }, 'topk'],
      [{ images: 'a.jpg' }, 'images'],
      [{ image: ['a.jpg'] }, 'images'],
      [['a.jpg'], '(root)'],
      [{ images: ['a.jpg', 'b.jpg', 'a.jpg'] }, 'images[2]'],
    ];
    for (const [input, path] of cases) {
      const error = failure(input);
      expect(error.code, JSON.stringify(input)).toBe(InferenceErrorCode.INFERENCE_MANIFEST_INVALID);
      expect(error.details.path, JSON.stringify(input)).toBe(path);
      expect(error.message).toContain(path);
    }
  });

  it('refuses bytes that are not JSON', () => {
    const error = failure(bytes('{"images": ["a.jpg"'));
    expect(error.code).toBe(InferenceErrorCode.INFERENCE_MANIFEST_INVALID);
    expect(error.message).toMatch(/not JSON/);
  });

  it('tells a job manifest from other JSON for routing by content', () => {
    expect(looksLikeJobManifest({ images: [] })).toBe(true);
    expect(looksLikeJobManifest({ battleId: 'b1', events: [] })).toBe(false);
    expect(looksLikeJobManifest([{ images: [] }])).toBe(false);
    expect(looksLikeJobManifest(null)).toBe(false);
  });
});
