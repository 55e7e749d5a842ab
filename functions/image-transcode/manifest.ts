import { MANIFEST_NAME, outputFolder } from '../shared/keys.ts';
import type { TranscodeResult } from './core.ts';

export interface ImageManifest {
  readonly pipeline: 'image';
  readonly key: string;
  readonly input: { readonly bucket: string; readonly key: string; readonly eTag?: string };
  readonly source: TranscodeResult['source'];
  readonly renditions: readonly {
    readonly name: string;
    readonly key: string;
    readonly format: string;
    readonly contentType: string;
    readonly width: number;
    readonly height: number;
    readonly frames: number;
    readonly bytes: number;
  }[];
}

/** The manifest of an input: written last, so its presence means the whole result is in place. */
export function manifestKey(inputKey: string, layout: { ingestPrefix: string; outputPrefix: string }): string {
  return `${outputFolder(inputKey, layout.ingestPrefix, layout.outputPrefix)}${MANIFEST_NAME}`;
}

/**
 * Where each output goes and what the manifest says about it. Deterministic (no timestamps):
 * a redelivered event rewrites byte-identical objects.
 */
export function buildManifest(
  input: { bucket: string; key: string; eTag?: string },
  result: TranscodeResult,
  layout: { ingestPrefix: string; outputPrefix: string },
): ImageManifest {
  const folder = outputFolder(input.key, layout.ingestPrefix, layout.outputPrefix);
  return {
    pipeline: 'image',
    key: manifestKey(input.key, layout),
    input: { bucket: input.bucket, key: input.key, ...(input.eTag ? { eTag: input.eTag } : {}) },
    source: result.source,
    renditions: result.renditions.map(({ data: _data, extension, ...rest }) => ({
      name: rest.name,
      key: `${folder}${rest.name}.${extension}`,
      format: rest.format,
      contentType: rest.contentType,
      width: rest.width,
      height: rest.height,
      frames: rest.frames,
      bytes: rest.bytes,
    })),
  };
}
