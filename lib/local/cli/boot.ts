import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../pipelines/paths.ts';
import { presetNames } from '../../presets/index.ts';
import { ensureAssembly } from '../assembly/ensure-assembly.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { LocalRuntime } from '../runtime.ts';
import { dim, progress, yellow } from './format.ts';

/** Where `dev` publishes its endpoint for `upload`; MEDIA_KIT_STATE_DIR moves it (tests). */
export const STATE_DIR = process.env.MEDIA_KIT_STATE_DIR ?? join(PROJECT_ROOT, '.media-kit');

export interface BootOptions {
  readonly preset: string;
  readonly port?: number;
  /** Run this assembly as is instead of synthesizing the preset. */
  readonly assembly?: string;
  readonly onError?: (error: Error) => void;
}

/** Synthesizes (when stale) and starts the preset's assembly, reporting each step on stderr. */
export async function bootRuntime(options: BootOptions): Promise<LocalRuntime> {
  let directory: string;
  if (options.assembly) {
    directory = resolve(options.assembly);
  } else {
    if (!presetNames().includes(options.preset)) {
      throw new LocalRuntimeError(LocalErrorCode.UNKNOWN_PRESET, `Unknown preset '${options.preset}' (choose one of: ${presetNames().join(', ')})`);
    }
    const assembly = await ensureAssembly({ projectRoot: PROJECT_ROOT, preset: options.preset, onProgress: (line) => progress(dim(line)) });
    directory = assembly.directory;
    progress(
      assembly.synthesized
        ? `synthesized preset '${options.preset}' in ${(assembly.durationMs / 1000).toFixed(1)} s`
        : `assembly for preset '${options.preset}' is up to date ${dim(`(${directory})`)}`,
    );
  }
  const started = performance.now();
  const runtime = await LocalRuntime.start({
    assemblyDirectory: directory,
    port: options.port,
    onWarning: (message) => progress(yellow(message)),
    onError: options.onError ?? ((error) => progress(yellow(`error: ${error.message}`))),
  });
  const functions = runtime.hosts.size;
  const notNeeded = [...runtime.inventory.notNeeded.values()].reduce((a, b) => a + b, 0);
  progress(
    `runtime up in ${Math.round(performance.now() - started)} ms: ${functions} function${functions === 1 ? '' : 's'}, ` +
      `${runtime.pipelines.length} pipeline${runtime.pipelines.length === 1 ? '' : 's'} ${dim(`(${notNeeded} resources not needed locally: IAM, policies, logs, alarms)`)}`,
  );
  return runtime;
}
