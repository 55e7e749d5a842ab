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
  /** A JSON override of the preset, as `cdk synth -c config=F` takes it (a path from the current directory). */
  readonly config?: string;
  /** How much faster than on AWS visibility timeouts and retry delays run (1: real time). */
  readonly timeScale: number;
  readonly onError?: (error: Error) => void;
}

/** Synthesizes (when stale) and starts the preset's assembly, reporting each step on stderr. */
export async function bootRuntime(options: BootOptions): Promise<LocalRuntime> {
  let directory: string;
  if (options.assembly) {
    if (options.config) {
      throw new LocalRuntimeError(LocalErrorCode.USAGE, '--config changes what is synthesized; with --assembly nothing is: give one or the other');
    }
    directory = resolve(options.assembly);
  } else {
    if (!presetNames().includes(options.preset)) {
      throw new LocalRuntimeError(LocalErrorCode.UNKNOWN_PRESET, `Unknown preset '${options.preset}' (choose one of: ${presetNames().join(', ')})`);
    }
    const assembly = await ensureAssembly({
      projectRoot: PROJECT_ROOT,
      preset: options.preset,
      ...(options.config ? { context: { config: resolve(options.config) } } : {}),
      onProgress: (line) => progress(dim(line)),
    });
    directory = assembly.directory;
    progress(
      assembly.synthesized
        ? `synthesized preset '${options.preset}' in ${(assembly.durationMs / 1000).toFixed(1)} s`
        : `assembly for preset '${options.preset}'${options.config ? ` with ${options.config}` : ''} is up to date ${dim(`(${directory})`)}`,
    );
  }
  const started = performance.now();
  const runtime = await LocalRuntime.start({
    assemblyDirectory: directory,
    port: options.port,
    timeScale: options.timeScale,
    onWarning: (message) => progress(yellow(message)),
    onError: options.onError ?? ((error) => progress(yellow(`error: ${error.message}`))),
  });
  const functions = runtime.hosts.size;
  const notNeeded = [...runtime.inventory.notNeeded.values()].reduce((a, b) => a + b, 0);
  progress(
    `runtime up in ${Math.round(performance.now() - started)} ms: ${functions} function${functions === 1 ? '' : 's'}, ` +
      `${runtime.pipelines.length} pipeline${runtime.pipelines.length === 1 ? '' : 's'} ${dim(`(${notNeeded} resources not needed locally: IAM, policies, logs, alarms, VPC)`)}`,
  );
  progress(
    options.timeScale > 1
      ? `time scale ${options.timeScale}x: queue visibility timeouts and retry delays run ${options.timeScale} times faster than on AWS ` +
          `(a 360 s visibility timeout takes ${Math.max(1, Math.round(360 / options.timeScale))} s); handler timeouts are real ${dim('(--time-scale 1: real time)')}`
      : `real time: visibility timeouts and retry delays as on AWS ${dim('(--time-scale N runs them N times faster)')}`,
  );
  return runtime;
}
