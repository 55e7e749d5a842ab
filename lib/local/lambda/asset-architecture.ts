import { closeSync, openSync, readdirSync, readSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';

/** Lambda's names for the two architectures it runs. */
export type LambdaArchitecture = 'x86_64' | 'arm64';

/** The architecture this machine runs natively, in Lambda's terms (undefined: neither). */
export function hostArchitecture(arch: string = process.arch): LambdaArchitecture | undefined {
  if (arch === 'x64') return 'x86_64';
  if (arch === 'arm64') return 'arm64';
  return undefined;
}

/** ELF e_machine values of the two architectures. */
const MACHINES: Record<number, LambdaArchitecture> = { 62: 'x86_64', 183: 'arm64' };
/** Files worth opening: Node addons, shared libraries, and whatever sits in a bin folder. */
const NATIVE_NAME = /\.(node|so(\.\d+)*)$/;
const MAX_FILES = 20_000;

export interface NativeFile {
  /** Path relative to the scanned folder. */
  readonly path: string;
  readonly architecture: LambdaArchitecture;
}

/**
 * Linux native binaries in an asset (Node addons, shared libraries, executables in `bin/`) whose
 * architecture is not `wanted`: an asset built for arm64 on an x86_64 machine (or the reverse)
 * cannot load them. Only ELF headers are read; binaries for other systems are not Lambda's concern.
 */
export function foreignNativeFiles(root: string, wanted: LambdaArchitecture): NativeFile[] {
  const foreign: NativeFile[] = [];
  let seen = 0;
  const visit = (dir: string, inBin: boolean) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (++seen > MAX_FILES || foreign.length >= 5) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path, entry.name === 'bin');
      else if (entry.isFile() && (inBin || NATIVE_NAME.test(entry.name))) {
        const architecture = elfArchitecture(path);
        if (architecture && architecture !== wanted) foreign.push({ path: relative(root, path), architecture });
      }
    }
  };
  visit(root, false);
  return foreign;
}

/** The architecture an ELF file is built for; undefined for anything else (scripts, Mach-O, PE). */
export function elfArchitecture(path: string): LambdaArchitecture | undefined {
  const header = Buffer.alloc(20);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    if (readSync(fd, header, 0, 20, 0) < 20) return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const littleEndian = header[5] === 1;
  const machine = littleEndian ? header.readUInt16LE(18) : header.readUInt16BE(18);
  return MACHINES[machine];
}
