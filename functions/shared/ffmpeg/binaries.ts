import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FfmpegToolCode, FfmpegToolError } from './errors.ts';

/**
 * Where the static ffmpeg/ffprobe binaries are. The construct ships them in the asset or a layer
 * and names them in FFMPEG_PATH / FFPROBE_PATH; without those (tests, the local runtime on a dev
 * machine) the npm packages' own files are used — the same bytes the asset carries.
 *
 * Which probe, per architecture:
 * - x64: ffprobe from ffprobe-static 3.1.0 (ffprobe 4.0.2). @ffprobe-installer/linux-x64 5.2.0
 *   segfaults on MPEG-TS, which the education preset's live segments are.
 * - arm64: ffprobe-static ships no arm64 binary, and @ffprobe-installer/linux-arm64 is the same
 *   2023 build family as the x64 one that crashes — unverifiable here. So on arm64 the probe runs
 *   ffmpeg itself (`ffmpeg -i`, no output) and reads its stream report: one binary fewer in the
 *   asset, and that prober is exercised on x64 by the unit tests (MEDIA_KIT_PROBE_WITH=ffmpeg).
 *   Setting FFPROBE_PATH opts back into an ffprobe on any architecture.
 */

export const FfmpegEnv = {
  FFMPEG_PATH: 'FFMPEG_PATH',
  FFPROBE_PATH: 'FFPROBE_PATH',
  /** `ffprobe` | `ffmpeg`: force the prober (tests; an operator working around a bad build). */
  PROBE_WITH: 'MEDIA_KIT_PROBE_WITH',
} as const;

export type Prober = 'ffprobe' | 'ffmpeg';

export interface BinaryPaths {
  readonly ffmpeg: string;
  /** Absent when the probe runs on ffmpeg. */
  readonly ffprobe?: string;
  readonly probeWith: Prober;
}

export interface ResolveInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: string;
  readonly arch: string;
  /** Absolute path of a file inside an installed npm package, or undefined if not installed. */
  readonly locate: (packageFile: string) => string | undefined;
}

/** The package files per `platform-arch`; an undefined ffprobe means "probe with ffmpeg". */
const PACKAGED: Record<string, { ffmpeg: string; ffprobe?: string }> = {
  'linux-x64': { ffmpeg: '@ffmpeg-installer/linux-x64/ffmpeg', ffprobe: 'ffprobe-static/bin/linux/x64/ffprobe' },
  'linux-arm64': { ffmpeg: '@ffmpeg-installer/linux-arm64/ffmpeg' },
  'darwin-x64': { ffmpeg: '@ffmpeg-installer/darwin-x64/ffmpeg', ffprobe: 'ffprobe-static/bin/darwin/x64/ffprobe' },
  'darwin-arm64': { ffmpeg: '@ffmpeg-installer/darwin-arm64/ffmpeg', ffprobe: 'ffprobe-static/bin/darwin/arm64/ffprobe' },
};

/** Pure: decides the paths without touching the file system beyond `locate`. */
export function resolveBinaryPaths({ env, platform, arch, locate }: ResolveInput): BinaryPaths {
  const key = `${platform}-${arch}`;
  const packaged = PACKAGED[key];
  const ffmpeg = nonEmpty(env[FfmpegEnv.FFMPEG_PATH]) ?? packagedPath(packaged?.ffmpeg, 'ffmpeg', key, locate);
  const forced = nonEmpty(env[FfmpegEnv.PROBE_WITH]);
  if (forced !== undefined && forced !== 'ffprobe' && forced !== 'ffmpeg') {
    throw new FfmpegToolError(
      FfmpegToolCode.FFMPEG_UNSUPPORTED_PLATFORM,
      `${FfmpegEnv.PROBE_WITH} must be "ffprobe" or "ffmpeg", got "${forced}"`,
    );
  }
  if (forced === 'ffmpeg') return { ffmpeg, probeWith: 'ffmpeg' };
  const envProbe = nonEmpty(env[FfmpegEnv.FFPROBE_PATH]);
  if (envProbe) return { ffmpeg, ffprobe: envProbe, probeWith: 'ffprobe' };
  if (packaged?.ffprobe) return { ffmpeg, ffprobe: packagedPath(packaged.ffprobe, 'ffprobe', key, locate), probeWith: 'ffprobe' };
  if (forced === 'ffprobe') {
    throw new FfmpegToolError(
      FfmpegToolCode.FFMPEG_UNSUPPORTED_PLATFORM,
      `${FfmpegEnv.PROBE_WITH}=ffprobe but no ffprobe is packaged for ${key}; set ${FfmpegEnv.FFPROBE_PATH}`,
    );
  }
  return { ffmpeg, probeWith: 'ffmpeg' };
}

function packagedPath(file: string | undefined, tool: string, key: string, locate: ResolveInput['locate']): string {
  if (!file) {
    throw new FfmpegToolError(
      FfmpegToolCode.FFMPEG_UNSUPPORTED_PLATFORM,
      `no static ${tool} is packaged for ${key}; set ${tool === 'ffmpeg' ? FfmpegEnv.FFMPEG_PATH : FfmpegEnv.FFPROBE_PATH}`,
      { platform: key },
    );
  }
  const path = locate(file);
  if (!path) {
    throw new FfmpegToolError(
      FfmpegToolCode.FFMPEG_BINARY_MISSING,
      `${tool} not found: npm package file ${file} is not installed and ${tool === 'ffmpeg' ? FfmpegEnv.FFMPEG_PATH : FfmpegEnv.FFPROBE_PATH} is not set`,
      { path: file },
    );
  }
  return path;
}

const nonEmpty = (value: string | undefined) => (value && value.trim() !== '' ? value : undefined);

/** Checks that each binary is an executable regular file, naming the path it looked at. */
export function verifyBinaries(paths: BinaryPaths): BinaryPaths {
  verifyExecutable('ffmpeg', paths.ffmpeg);
  if (paths.ffprobe !== undefined) verifyExecutable('ffprobe', paths.ffprobe);
  return paths;
}

function verifyExecutable(tool: string, path: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (cause) {
    throw new FfmpegToolError(FfmpegToolCode.FFMPEG_BINARY_MISSING, `${tool} binary not found at ${path}`, { path }, { cause });
  }
  if (!isFile) throw new FfmpegToolError(FfmpegToolCode.FFMPEG_BINARY_MISSING, `${tool} path ${path} is not a file`, { path });
  try {
    accessSync(path, constants.X_OK);
  } catch (cause) {
    // The classic layer mistake: zip extraction lost the execute bit (spawn EACCES later).
    throw new FfmpegToolError(FfmpegToolCode.FFMPEG_BINARY_NOT_EXECUTABLE, `${tool} binary at ${path} is not executable`, { path }, { cause });
  }
}

const requireHere = createRequire(import.meta.url);

/** Resolves a package file through Node's resolution; undefined when the package is absent. */
export function locatePackageFile(packageFile: string): string | undefined {
  const [scopeOrName, ...rest] = packageFile.split('/');
  const packageName = scopeOrName!.startsWith('@') ? `${scopeOrName}/${rest.shift()}` : scopeOrName!;
  try {
    const manifest = requireHere.resolve(`${packageName}/package.json`);
    return `${manifest.slice(0, -'package.json'.length)}${rest.join('/')}`;
  } catch {
    return undefined;
  }
}

let loaded: BinaryPaths | undefined;

/** Resolves and verifies once per environment (call at handler load so a bad asset fails fast). */
export function loadBinaries(env: NodeJS.ProcessEnv = process.env): BinaryPaths {
  loaded ??= verifyBinaries(resolveBinaryPaths({ env, platform: process.platform, arch: process.arch, locate: locatePackageFile }));
  return loaded;
}
