import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc times on Linux (100 on every mainstream kernel build). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds of this process plus its reaped children (utime+stime+cutime+cstime from
 * /proc/self/stat): ffmpeg runs as a child, so its CPU shows up here once it has exited.
 */
export function cpuSecondsWithChildren(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based).
  const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]].map(Number);
  return (utime! + stime! + cutime! + cstime!) / TICKS_PER_SECOND;
}

export async function measure<T>(work: () => Promise<T>): Promise<{ result: T; wallSeconds: number; cpuSeconds: number }> {
  const cpu = cpuSecondsWithChildren();
  const wall = performance.now();
  const result = await work();
  return { result, wallSeconds: (performance.now() - wall) / 1000, cpuSeconds: cpuSecondsWithChildren() - cpu };
}
