import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';

export interface EnsureAssemblyOptions {
  readonly projectRoot: string;
  readonly preset: string;
  /** Where assemblies are kept, one directory per input hash. @default `<projectRoot>/.media-kit/assembly` */
  readonly cacheDir?: string;
  /** A CDK app command replacing cdk.json's (test apps). */
  readonly app?: string;
  /**
   * Extra context (`-c key=value`). `config` names a JSON override of the preset (as
   * `cdk synth -c config=F`); its content is part of the input hash.
   */
  readonly context?: Readonly<Record<string, string>>;
  /** Files and folders (relative to the root) whose changes make the assembly stale. */
  readonly inputs?: readonly string[];
  readonly onProgress?: (line: string) => void;
}

export interface EnsuredAssembly {
  /** The assembly of these inputs: written once, never changed afterwards. */
  readonly directory: string;
  readonly synthesized: boolean;
  readonly durationMs: number;
}

/** What the CDK app is built from. The runtime and the CLI are not: editing them needs no synth. */
const DEFAULT_INPUTS = ['bin', 'lib', 'functions', 'cdk.json', 'package-lock.json'];
const IGNORED = [/^lib\/local\//, /^bin\/media-kit\./, /(^|\/)node_modules\//];
/** Written last into a finished assembly; without it a directory is a crashed synth's. */
const COMPLETE = 'media-kit-inputs.json';
/** Assemblies of a preset not used for this long are removed (the newest one is always kept). */
const UNUSED_FOR_MS = 7 * 24 * 3600_000;

/**
 * Returns a cloud assembly for the preset, synthesizing it (`cdk synth --all -c preset=P`) only
 * when no assembly of the same inputs exists. Assemblies are directories named after the hash of
 * everything that goes into the synth (preset, app, context, the config file's bytes, and every
 * input file's path, size and mtime): `<cacheDir>/<preset>-<hash>`. A directory is synthesized
 * beside its final name and renamed into place when complete, and never changed afterwards, so a
 * runtime loading from it can never see another synth's files; a lock only keeps parallel callers
 * (test files, a dev session and a run) from synthesizing the same inputs twice.
 */
export async function ensureAssembly(options: EnsureAssemblyOptions): Promise<EnsuredAssembly> {
  const started = performance.now();
  const root = resolve(options.projectRoot);
  const { cacheDir, directory, inputs } = locate(options);
  mkdirSync(cacheDir, { recursive: true });
  if (isComplete(directory)) return used(directory, cacheDir, options.preset, false, started);
  const release = await acquireLock(`${directory}.lock`, options.onProgress);
  const staging = `${directory}.staging-${process.pid}`;
  try {
    // Another caller may have finished it while this one waited for the lock.
    if (isComplete(directory)) return used(directory, cacheDir, options.preset, false, started);
    rmSync(staging, { recursive: true, force: true });
    options.onProgress?.(`Synthesizing preset '${options.preset}' (cdk synth; bundling functions can take a minute)…`);
    await runSynth(root, options, staging);
    if (!existsSync(join(staging, 'manifest.json'))) {
      throw new LocalRuntimeError(LocalErrorCode.SYNTH_FAILED, `cdk synth wrote no manifest.json to ${staging}`);
    }
    writeFileSync(join(staging, COMPLETE), JSON.stringify(inputs.described, null, 1));
    // A directory without the completion mark is a synth that crashed before it: never in use.
    rmSync(directory, { recursive: true, force: true });
    renameSync(staging, directory);
    return used(directory, cacheDir, options.preset, true, started);
  } finally {
    // A failed synth leaves nothing behind.
    rmSync(staging, { recursive: true, force: true });
    release();
  }
}

/** The directory an assembly of these inputs has (or will have), without synthesizing anything. */
export function assemblyDirectoryFor(options: EnsureAssemblyOptions): string {
  return locate(options).directory;
}

function locate(options: EnsureAssemblyOptions): { cacheDir: string; directory: string; inputs: { hash: string; described: unknown } } {
  const root = resolve(options.projectRoot);
  const cacheDir = resolve(options.cacheDir ?? join(root, '.media-kit', 'assembly'));
  const inputs = describeInputs(root, options);
  return { cacheDir, directory: join(cacheDir, `${safeName(options.preset)}-${inputs.hash.slice(0, 16)}`), inputs };
}

function isComplete(directory: string): boolean {
  return existsSync(join(directory, COMPLETE)) && existsSync(join(directory, 'manifest.json'));
}

/** Marks the directory used now and removes the preset's assemblies nobody used for a week. */
function used(directory: string, cacheDir: string, preset: string, synthesized: boolean, started: number): EnsuredAssembly {
  const now = new Date();
  utimesSync(join(directory, COMPLETE), now, now);
  const prefix = `${safeName(preset)}-`;
  for (const entry of readdirSync(cacheDir)) {
    const path = join(cacheDir, entry);
    if (!entry.startsWith(prefix) || !/^[0-9a-f]{16}$/.test(entry.slice(prefix.length)) || path === directory) continue;
    try {
      if (now.getTime() - statSync(join(path, COMPLETE)).mtimeMs > UNUSED_FOR_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Incomplete (a crashed synth never renamed here) or removed meanwhile.
    }
  }
  return { directory, synthesized, durationMs: performance.now() - started };
}

function safeName(preset: string): string {
  return preset.replace(/[^A-Za-z0-9_.-]+/g, '-');
}

/** The synth's inputs, described and hashed: the assembly's name. */
function describeInputs(root: string, options: EnsureAssemblyOptions): { hash: string; described: unknown } {
  const context = options.context ?? {};
  let configSha256: string | undefined;
  if (context.config !== undefined) {
    try {
      configSha256 = createHash('sha256').update(readFileSync(resolve(root, context.config))).digest('hex');
    } catch (error) {
      throw new LocalRuntimeError(LocalErrorCode.USAGE, `Cannot read the config file ${context.config}: ${(error as Error).message}`, { config: context.config });
    }
  }
  const described = {
    preset: options.preset,
    app: options.app ?? null,
    context,
    configSha256: configSha256 ?? null,
    inputsFingerprint: inputsFingerprint(root, options.inputs ?? DEFAULT_INPUTS),
  };
  return { hash: createHash('sha256').update(JSON.stringify(described)).digest('hex'), described };
}

function inputsFingerprint(root: string, inputs: readonly string[]): string {
  const lines: string[] = [];
  const visit = (path: string) => {
    const stat = statSync(path);
    const rel = relative(root, path);
    if (IGNORED.some((pattern) => pattern.test(rel + (stat.isDirectory() ? '/' : '')))) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else {
      lines.push(`${rel}\t${stat.size}\t${stat.mtimeMs}`);
    }
  };
  for (const input of inputs) {
    const path = join(root, input);
    if (existsSync(path)) visit(path);
    else lines.push(`${input}\tmissing`);
  }
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
}

function runSynth(root: string, options: EnsureAssemblyOptions, outDir: string): Promise<void> {
  const cdk = join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  if (!existsSync(cdk)) {
    throw new LocalRuntimeError(LocalErrorCode.SYNTH_FAILED, `The CDK CLI is not installed (${cdk}); run npm install`);
  }
  const args = [cdk, 'synth', '--all', '--quiet', '--no-notices', '-c', `preset=${options.preset}`, '-o', outDir];
  for (const [key, value] of Object.entries(options.context ?? {})) args.push('-c', `${key}=${value}`);
  if (options.app) args.push('--app', options.app);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        const text = line.trim();
        if (!text) continue;
        tail.push(text);
        if (tail.length > 40) tail.shift();
        if (/bundling|synthes|install|error/i.test(text)) options.onProgress?.(text);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => reject(new LocalRuntimeError(LocalErrorCode.SYNTH_FAILED, `cdk synth did not start: ${error.message}`, {}, { cause: error })));
    child.once('close', (code) => {
      if (code === 0) resolvePromise();
      else {
        reject(
          new LocalRuntimeError(LocalErrorCode.SYNTH_FAILED, `cdk synth for preset '${options.preset}' failed (exit ${code}):\n${tail.join('\n')}`, {
            preset: options.preset,
            exitCode: code,
          }),
        );
      }
    });
  });
}

/** A directory as a lock (mkdir is atomic); a lock whose owner process died is taken over. */
async function acquireLock(path: string, onProgress?: (line: string) => void): Promise<() => void> {
  let announced = false;
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'owner'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!ownerAlive(path)) {
      rmSync(path, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new LocalRuntimeError(LocalErrorCode.SYNTH_FAILED, `Another process has held ${path} for 15 minutes`);
    }
    if (!announced) {
      onProgress?.('Waiting for another synth of these inputs to finish…');
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

function ownerAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'owner'), 'utf8'));
  } catch {
    // Just created by its owner, who has not written the pid yet: treat as alive.
    try {
      return Date.now() - statSync(lock).mtimeMs < 5_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
