import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
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
  /**
   * This version of the assembly: a directory no later synth replaces or removes while this
   * process lives (or until {@link release}), so a running runtime keeps loading from it.
   */
  readonly directory: string;
  readonly synthesized: boolean;
  readonly durationMs: number;
  /** Gives up this process's hold on {@link directory} early; it is removed by a later synth. */
  readonly release: () => void;
}

/** What the CDK app is built from. The runtime and the CLI are not: editing them needs no synth. */
const DEFAULT_INPUTS = ['bin', 'lib', 'functions', 'cdk.json', 'package-lock.json'];
const IGNORED = [/^lib\/local\//, /^bin\/media-kit\./, /(^|\/)node_modules\//];
const STAMP = 'media-kit-stamp.json';

interface Stamp {
  readonly preset: string;
  readonly app: string | null;
  readonly context: Readonly<Record<string, string>>;
  /** Hash of every input file's path, size and mtime: an edit, an added or a deleted file changes it. */
  readonly inputsFingerprint: string;
}

/**
 * Returns a cloud assembly for the preset, synthesizing it (`cdk synth --all -c preset=P -o DIR`)
 * only when it is missing or its inputs changed. One place per preset, so switching presets never
 * reuses the wrong assembly; a lock keeps parallel callers (test files, a dev session and a run)
 * from synthesizing it at once.
 *
 * Layout: each synth lands in its own version directory `<outDir>.v-<time>-<pid>`, and `<outDir>`
 * is a symlink to the current one, replaced atomically (rename). The caller gets the version
 * directory and holds a lease on it for its lifetime, so a re-synth by another process (a `run`
 * next to a `dev`) never pulls files from under a running runtime; versions nobody holds are
 * removed by the next call.
 */
export async function ensureAssembly(options: EnsureAssemblyOptions): Promise<EnsuredAssembly> {
  const root = resolve(options.projectRoot);
  const outDir = resolve(options.outDir ?? join(root, '.media-kit', 'assembly', options.preset));
  const started = performance.now();
  const release = await acquireLock(`${outDir}.lock`, options.onProgress);
  const staging = `${outDir}.staging-${process.pid}`;
  try {
    const wanted: Stamp = {
      preset: options.preset,
      app: options.app ?? null,
      context: options.context ?? {},
      inputsFingerprint: inputsFingerprint(root, options.inputs ?? DEFAULT_INPUTS),
    };
    let synthesized = false;
    if (options.force || !isFresh(outDir, wanted)) {
      rmSync(staging, { recursive: true, force: true });
      options.onProgress?.(`Synthesizing preset '${options.preset}' (cdk synth; bundling functions can take a minute)…`);
      await runSynth(root, options, staging);
      if (!existsSync(join(staging, 'manifest.json'))) {
        throw new LocalRuntimeError(LocalErrorCode.SYNTH_FAILED, `cdk synth wrote no manifest.json to ${staging}`);
      }
      writeFileSync(join(staging, STAMP), JSON.stringify(wanted));
      const version = `${outDir}.v-${Date.now()}-${process.pid}`;
      renameSync(staging, version);
      pointAt(outDir, version);
      synthesized = true;
    }
    const directory = realpathSync(outDir);
    const lease = takeLease(directory);
    collectGarbage(outDir, directory);
    return { directory, synthesized, durationMs: performance.now() - started, release: lease };
  } finally {
    // A failed synth leaves nothing behind.
    rmSync(staging, { recursive: true, force: true });
    release();
  }
}

/** Makes `link` a symlink to `target` in one rename, so readers see the old or the new, never neither. */
function pointAt(link: string, target: string): void {
  const next = `${link}.next-${process.pid}`;
  rmSync(next, { force: true });
  symlinkSync(basename(target), next, 'dir');
  const current = lstatOrUndefined(link);
  if (current && !current.isSymbolicLink()) {
    // A directory from before versioned assemblies: keep it as a version, so whoever loads from it keeps working.
    renameSync(link, `${link}.v-0-${process.pid}`);
  }
  renameSync(next, link);
}

/** In-process holders per version directory; the lease file exists while any holds it. */
const leases = new Map<string, number>();
let exitHookInstalled = false;

function leaseFile(version: string, pid = process.pid): string {
  return `${version}.lease-${pid}`;
}

function takeLease(version: string): () => void {
  const count = leases.get(version) ?? 0;
  leases.set(version, count + 1);
  if (count === 0) writeFileSync(leaseFile(version), '');
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const held of leases.keys()) rmSync(leaseFile(held), { force: true });
    });
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (leases.get(version) ?? 1) - 1;
    if (left > 0) {
      leases.set(version, left);
      return;
    }
    leases.delete(version);
    rmSync(leaseFile(version), { force: true });
  };
}

/**
 * Removes versions other than `current` that no live process holds, lease files of dead
 * processes, and staging directories of dead synths. Runs under the preset's lock.
 */
function collectGarbage(outDir: string, current: string): void {
  const parent = dirname(outDir);
  const base = basename(outDir);
  const entries = readdirSync(parent);
  const leasesOf = (version: string) =>
    entries.filter((e) => e.startsWith(`${version}.lease-`)).map((e) => ({ file: join(parent, e), pid: Number(e.slice(version.length + '.lease-'.length)) }));
  for (const entry of entries) {
    const path = join(parent, entry);
    if (entry.startsWith(`${base}.staging-`)) {
      const pid = Number(entry.slice(`${base}.staging-`.length));
      if (pid !== process.pid && !pidAlive(pid)) rmSync(path, { recursive: true, force: true });
      continue;
    }
    if (!/^\S+\.v-\d+-\d+$/.test(entry) || !entry.startsWith(`${base}.v-`)) continue;
    const live = leasesOf(entry).filter((lease) => {
      if (pidAlive(lease.pid)) return true;
      rmSync(lease.file, { force: true });
      return false;
    });
    if (path !== current && live.length === 0) rmSync(path, { recursive: true, force: true });
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function isFresh(outDir: string, wanted: Stamp): boolean {
  const stampPath = join(outDir, STAMP);
  if (!existsSync(stampPath) || !existsSync(join(outDir, 'manifest.json'))) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as Partial<Stamp>;
    return (
      stamp.preset === wanted.preset &&
      stamp.app === wanted.app &&
      JSON.stringify(stamp.context ?? {}) === JSON.stringify(wanted.context) &&
      stamp.inputsFingerprint === wanted.inputsFingerprint
    );
  } catch {
    return false;
  }
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
  return pidAlive(pid);
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
