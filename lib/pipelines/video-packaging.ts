import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { KitArchitecture } from '../constructs/kit-function.ts';

/**
 * What the video function's asset carries beside its bundle, and the variables that name it:
 * - `bin/ffmpeg` (+ `bin/ffprobe` on x86_64): static builds for the function's architecture only.
 *   x86_64: @ffmpeg-installer/linux-x64 and ffprobe-static's linux/x64 ffprobe (it reads MPEG-TS;
 *   the darwin/win32/ia32/arm builds it also ships stay behind). arm64:
 *   @ffmpeg-installer/linux-arm64, installed for arm64 at bundling time, and the probe runs on
 *   ffmpeg (functions/shared/ffmpeg/binaries.ts says why).
 * - `node_modules/nsfwjs/` with package.json and the MobileNetV2 model only (the other two
 *   models stay behind), read from disk by functions/shared/model.
 * - `wasm/`: the tfjs wasm binaries.
 * Paths are relative to the code root: the handler resolves them against LAMBDA_TASK_ROOT, so
 * the same asset runs on Lambda and in the local runtime.
 */

export const PACKAGED_FFMPEG = 'bin/ffmpeg';
export const PACKAGED_FFPROBE = 'bin/ffprobe';
export const PACKAGED_WASM_DIR = 'wasm';

export function videoPackagingEnvironment(architecture: KitArchitecture): Record<string, string> {
  return {
    FFMPEG_PATH: PACKAGED_FFMPEG,
    ...(architecture === 'x86_64' ? { FFPROBE_PATH: PACKAGED_FFPROBE } : {}),
    TFJS_WASM_DIR: PACKAGED_WASM_DIR,
  };
}

/** The installed version of a package (pinned by the lockfile), for installing its arm64 sibling. */
function optionalDependencyVersion(projectRoot: string, pkg: string, dependency: string): string {
  const manifest = JSON.parse(readFileSync(join(projectRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
  const version = manifest.optionalDependencies?.[dependency];
  if (!version) throw new Error(`${pkg} names no optional dependency ${dependency}: cannot package ffmpeg for arm64`);
  return version;
}

const quote = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;

export function videoCommandHooks(architecture: KitArchitecture, projectRoot: string): nodejs.ICommandHooks {
  // Resolved now (synth), so a missing package fails synth naming it rather than a deploy.
  const arm64FfmpegVersion = architecture === 'arm64' ? optionalDependencyVersion(projectRoot, '@ffmpeg-installer/ffmpeg', '@ffmpeg-installer/linux-arm64') : undefined;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling(inputDir: string, outputDir: string): string[] {
      const from = (path: string) => quote(join(inputDir, 'node_modules', path));
      const to = (path: string) => quote(join(outputDir, path));
      const nsfwjs = (path: string) => join('node_modules', 'nsfwjs', path);
      const commands = [
        `mkdir -p ${to('bin')} ${to(PACKAGED_WASM_DIR)} ${to(nsfwjs('dist/models'))} ${to(nsfwjs('dist/cjs'))}`,
        `cp ${from('nsfwjs/package.json')} ${to(nsfwjs('package.json'))}`,
        // Only so require.resolve('nsfwjs') finds the package root: the model is read as files, the library never loads.
        `printf 'module.exports = {};\\n' > ${to(nsfwjs('dist/cjs/index.js'))}`,
        // The models folder's package.json makes its .min.js files CommonJS (the package is ESM).
        `cp ${from('nsfwjs/dist/models/package.json')} ${to(nsfwjs('dist/models/package.json'))}`,
        `cp -R ${from('nsfwjs/dist/models/mobilenet_v2')} ${to(nsfwjs('dist/models/mobilenet_v2'))}`,
        `cp ${from('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')} ${from('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')} ${from('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm')} ${to(PACKAGED_WASM_DIR)}/`,
      ];
      if (architecture === 'x86_64') {
        commands.push(`cp ${from('@ffmpeg-installer/linux-x64/ffmpeg')} ${to(PACKAGED_FFMPEG)}`, `cp ${from('ffprobe-static/bin/linux/x64/ffprobe')} ${to(PACKAGED_FFPROBE)}`);
      } else {
        const staging = quote(join(outputDir, '.ffmpeg-arm64'));
        commands.push(
          `npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --os=linux --cpu=arm64 --prefix ${staging} @ffmpeg-installer/linux-arm64@${arm64FfmpegVersion}`,
          `cp ${staging}/node_modules/@ffmpeg-installer/linux-arm64/ffmpeg ${to(PACKAGED_FFMPEG)}`,
          `rm -rf ${staging}`,
        );
      }
      commands.push(`chmod 755 ${to('bin')}/*`);
      return commands;
    },
  };
}

/**
 * esbuild's CommonJS output has no import.meta; the shared modules locate package files with
 * createRequire(import.meta.url), so the bundle's own file URL stands in for it.
 */
export const IMPORT_META_URL_BANNER = "const __kit_import_meta_url = require('url').pathToFileURL(__filename).href;";
export const IMPORT_META_URL_DEFINE = { 'import.meta.url': '__kit_import_meta_url' } as const;
