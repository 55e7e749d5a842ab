import { readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { PIPELINE_ID_PATTERN } from '../../../functions/shared/pipeline-contract.ts';
import { PIPELINE_IDS, type PipelineId } from '../../../functions/shared/pipeline-ids.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import type { PipelineRoute } from '../pipelines.ts';
import { contentTypeFor, pipelineForContent } from './route-by-content.ts';

export interface InputFile {
  /** The path as given on the command line. */
  readonly input: string;
  readonly name: string;
  readonly pipeline: PipelineId;
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * Reads the files and picks each one's pipeline (`--pipeline`, else by content) before any boot.
 * With `ownPipelines` (an assembly of the user's own, `--assembly`), any well-formed pipeline id
 * may be named: the assembly's contracts decide after boot which exist.
 */
export function readInputs(paths: readonly string[], pipeline: string | undefined, options: { ownPipelines?: boolean } = {}): InputFile[] {
  if (paths.length === 0) throw new LocalRuntimeError(LocalErrorCode.USAGE, 'Name at least one FILE to process');
  const wellFormed = pipeline !== undefined && options.ownPipelines === true && PIPELINE_ID_PATTERN.test(pipeline);
  if (pipeline !== undefined && !wellFormed && !(PIPELINE_IDS as readonly string[]).includes(pipeline)) {
    throw new LocalRuntimeError(LocalErrorCode.UNKNOWN_PIPELINE, `Unknown pipeline '${pipeline}' (choose one of: ${PIPELINE_IDS.join(', ')})`);
  }
  const names = new Map<string, string>();
  return paths.map((input) => {
    let body: Buffer;
    try {
      if (!statSync(input).isFile()) throw new Error('not a file');
      body = readFileSync(input);
    } catch (error) {
      throw new LocalRuntimeError(LocalErrorCode.USAGE, `Cannot read ${input}: ${(error as Error).message}`, { input });
    }
    let name = basename(input);
    const other = names.get(name);
    if (other && resolve(other) !== resolve(input)) throw new LocalRuntimeError(LocalErrorCode.USAGE, `${other} and ${input} would both be uploaded as '${name}'`);
    // The same file named again is uploaded again, as its own task: `b.json b.json` → b.json, b-2.json.
    if (other) name = repeatedName(name, names);
    names.set(name, input);
    const routed = (pipeline as PipelineId | undefined) ?? pipelineForContent(body.subarray(0, 512));
    if (!routed) {
      throw new LocalRuntimeError(
        LocalErrorCode.UNROUTABLE_INPUT,
        `${input} is not an image, video or battle log by its content; name its pipeline with --pipeline`,
        { input },
      );
    }
    return { input, name, pipeline: routed, body, contentType: contentTypeFor(routed, body.subarray(0, 16)) };
  });
}

/** `<stem>-<n><ext>` with the first n ≥ 2 not yet taken. */
function repeatedName(name: string, taken: ReadonlyMap<string, string>): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The preset's route for a pipeline, or a message naming what the preset does have. */
export function routeFor(pipelines: readonly PipelineRoute[], id: string, preset: string): PipelineRoute {
  const route = pipelines.find((p) => p.id === id);
  if (!route) {
    const available = [...new Set(pipelines.map((p) => p.id))];
    throw new LocalRuntimeError(
      LocalErrorCode.UNKNOWN_PIPELINE,
      `Preset '${preset}' has no ${id} pipeline (it has: ${available.length > 0 ? available.join(', ') : 'none'})`,
      { pipeline: id, preset },
    );
  }
  return route;
}
