import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';

export interface EnsureAssemblyOptions {
  readonly projectRoot: string;
  readonly preset: string;
  /** @default `<projectRoot>/.media-kit/assembly/<preset>` */
  readonly outDir?: string;
  /** A CDK app command replacing cdk.json's (test apps). */
  readonly app?: string;
  /** Extra context (`-c key=value`), e.g. `config` naming a JSON override of the preset. */
  readonly context?: Readonly<Record<string, string>>;
  /** Files and folders (relative to the root) whose changes make the assembly stale. */
  readonly inputs?: readonly string[];
  /** Synthesize even when the assembly looks fresh. */
  readonly force?: boolean;
  readonly onProgress?: (line: string) => void;
}

export interface EnsuredAssembly {
  readonly directory: string;
  readonly synthesized: boolean;
  readonly durationMs: number;
}

/** What the CDK app is built from. The runtime and the CLI are not: editing them needs no synth. */
const DEFAULT_INPUTS = ['bin', 'lib', 'functions', 'cdk.json', 'package-lock.json'];
const IGNORED = [/^lib\/local\//, /^bin\/media-kit\./, /(^|\/)node_modules\//];
const STAMP = 'media-kit-stamp.json';

interface Stamp {
  readonly preset: string;
  readonly app: string | null;
  readonly context: Readonly<Record<string, string>>;
  readonly inputsMtimeMs: number;
}

/**
 * Returns a cloud assembly for the preset, synthesizing it (`cdk synth --all -c preset=P -o DIR`)
 * only when it is missing or older than the sources it is built from. One directory per preset,
 * so switching presets never reuses the wrong assembly; a lock keeps parallel callers (test
 * files, a dev session and a run) from synthesizing into the same place at once.
 */
export async function ensureAssembly(options: EnsureAssemblyOptions): Promise<EnsuredAssembly> {
  const root = resolve(options.projectRoot);
  const outDir = resolve(options.outDir ?? join(root, '.media-kit', 'assembly', options.preset));
  const started = performance.now();
  const release = await acquireLock(`${outDir}.lock`, options.onProgress);
  try {
    const inputsMtimeMs = newestMtime(root, options.inputs ?? DEFAULT_INPUTS);
    const wanted: Stamp = { preset: options.preset, app: options.app ?? null, context: options.context ?? {}, inputsMtimeMs };
    if (!options.force && isFresh(outDir, wanted)) {
      return { directory: outDir, synthesized: false, durationMs: performance.now() - started };
    }
    const staging = `${outDir}.staging-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    options.onProgress?.(`Synthesizing preset '${options.preset}' (cdk synth; bundling functions can take a minute)…`);
    await runSynth(root, options, staging);
    if (!existsSync(join(staging, 'manifest.json'))) {
      throw new LocalRuntimeError(LocalErrorCode.SYNTH_FAILED, `cdk synth wrote no manifest.json to ${staging}`);
    }
    writeFileSync(join(staging, STAMP), JSON.stringify(wanted));
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
    return { directory: outDir, synthesized: true, durationMs: performance.now() - started };
  } finally {
    release();
  }
}

function isFresh(outDir: string, wanted: Stamp): boolean {
  const stampPath = join(outDir, STAMP);
  if (!existsSync(stampPath) || !existsSync(join(outDir, 'manifest.json'))) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as Stamp;
    return (
      stamp.preset === wanted.preset &&
      stamp.app === wanted.app &&
      JSON.stringify(stamp.context ?? {}) === JSON.stringify(wanted.context) &&
      stamp.inputsMtimeMs >= wanted.inputsMtimeMs
    );
  } catch {
    return false;
  }
}

function newestMtime(root: string, inputs: readonly string[]): number {
  let newest = 0;
  const visit = (path: string) => {
    const rel = relative(root, path);
    if (IGNORED.some((pattern) => pattern.test(rel + (statSync(path).isDirectory() ? '/' : '')))) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const input of inputs) {
    const path = join(root, input);
    if (existsSync(path)) visit(path);
  }
  return newest;
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
  mkdirSync(dirname(path), { recursive: true });
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
      onProgress?.('Waiting for another synth of this preset to finish…');
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
    return Date.now() - statSync(lock).mtimeMs < 5_000;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
