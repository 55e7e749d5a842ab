import { isAbsolute, resolve } from 'node:path';
import { FfmpegEnv } from '../shared/ffmpeg/binaries.ts';

/**
 * The construct names the packaged files relative to the function's code (`bin/ffmpeg`), so the
 * same environment works on Lambda (/var/task) and in the local runtime, which runs the asset
 * from cdk.out with LAMBDA_TASK_ROOT pointing there. Absolute values are kept as they are.
 */
export function withPackagedPaths(env: NodeJS.ProcessEnv, names: readonly string[] = [FfmpegEnv.FFMPEG_PATH, FfmpegEnv.FFPROBE_PATH]): NodeJS.ProcessEnv {
  const root = env.LAMBDA_TASK_ROOT;
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const name of names) {
    const value = env[name];
    if (value && !isAbsolute(value)) resolved[name] = resolve(root ?? process.cwd(), value);
  }
  return resolved;
}
