import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What an execution environment's processes use, read from Linux's /proc: the process and every
 * process it started (ffmpeg and its children), as Lambda's limits cover the whole sandbox.
 */

const PAGE_BYTES = 4096;

/** The process and its descendants, parents first; children that left the tree (setsid + re-parent) are not found. */
export function processTree(pid: number): number[] {
  const tree: number[] = [];
  const visit = (id: number, depth: number) => {
    tree.push(id);
    if (depth > 32) return;
    // Children are listed per thread: a worker thread of the function may have spawned some.
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${id}/task`);
    } catch {
      return;
    }
    for (const thread of threads) {
      let children: string;
      try {
        children = readFileSync(`/proc/${id}/task/${thread}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(' ')) {
        const n = Number(child);
        if (child && Number.isInteger(n)) visit(n, depth + 1);
      }
    }
  };
  visit(pid, 0);
  return tree;
}

/** Resident memory of the process tree now, in bytes (0 for a process that is gone). */
export function treeResidentBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      // statm: size resident shared text lib data dt, in pages.
      total += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_BYTES;
    } catch {
      // Exited between listing and reading.
    }
  }
  return total;
}

/** The kernel's high-water mark of one process's resident memory (VmHWM), in bytes. */
export function peakResidentBytes(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Whether a process still runs (a zombie has finished: it only waits to be reaped). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * SIGKILLs a process group and every descendant found in /proc, including those that moved to a
 * group of their own. The tree is read before the kill: killed parents re-parent their children.
 */
export function killTree(groupLeader: number): void {
  const tree = processTree(groupLeader);
  try {
    process.kill(-groupLeader, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}

/** SIGKILLs what is left of a process group whose leader has exited (its pid may be reused: never kill it alone). */
export function killGroup(groupLeader: number): void {
  try {
    process.kill(-groupLeader, 'SIGKILL');
  } catch {
    // Nothing left in the group.
  }
}

/** Bytes of the files under a directory (what the environment keeps in its /tmp). */
export function directoryBytes(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      const stat = lstatSync(path);
      total += stat.isDirectory() ? directoryBytes(path) : stat.size;
    } catch {
      // Removed while measuring.
    }
  }
  return total;
}
