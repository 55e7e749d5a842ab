import type { SourceIdentity } from '../shared/errors.ts';
import { outputFolderOf, resultKeyOf, type PipelineContract } from '../shared/pipeline-contract.ts';
import type { TranscodeResult } from './core.ts';

export interface ImageManifest {
  readonly pipeline: 'image';
  readonly key: string;
  /** Which upload this result is of (eTag, sequencer): lets a later outcome tell older from newer. */
  readonly input: SourceIdentity;
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

type Layout = Pick<PipelineContract, 'ingestPrefix' | 'outputPrefix' | 'resultDocument'>;

/**
 * Where each output goes and what the manifest says about it. Deterministic (no timestamps):
 * a redelivered event rewrites byte-identical objects.
 */
export function buildManifest(input: SourceIdentity, result: TranscodeResult, layout: Layout): ImageManifest {
  const folder = outputFolderOf(layout, input.key);
  return {
    pipeline: 'image',
    key: resultKeyOf(layout, input.key),
    input,
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
