import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ENGINES, childPeakRssKb, type EngineName } from './engines.ts';

/**
 * Runs one engine over the input in its own process, so its peak RSS is its own, and prints one
 * JSON line: wall time per image, CPU seconds (this process and its children) and peak RSS.
 * Usage: engine-process.ts <engine> <input.jpg> <iterations>
 */
const [name, inputPath, iterationsArg] = process.argv.slice(2) as [EngineName, string, string];
const engine = ENGINES[name];
if (!engine) throw new Error(`unknown engine ${name}`);
const iterations = Number(iterationsArg);
// One libvips thread per operation: the benchmark measures work per core, not the host's parallelism.
sharp.concurrency(1);

const CLOCK_TICKS = 100;
/** CPU seconds of waited-for children (ImageMagick), from /proc: Node reports only its own. */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS; // cutime, cstime
}

const input = readFileSync(inputPath);
const scratch = mkdtempSync(join(tmpdir(), `bench-${name}-`));
await engine(input, inputPath, scratch); // warm-up: caches, lazy loading, JIT

const cpuStart = process.cpuUsage();
const childStart = childCpuSeconds();
const wallMs: number[] = [];
let bytes = 0;
for (let i = 0; i < iterations; i++) {
  const started = performance.now();
  bytes = await engine(input, inputPath, scratch);
  wallMs.push(performance.now() - started);
}
const cpu = process.cpuUsage(cpuStart);
rmSync(scratch, { recursive: true, force: true });
console.log(
  JSON.stringify({
    engine: name,
    iterations,
    wallMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6 + (childCpuSeconds() - childStart),
    outputBytes: bytes,
    peakRssKb: Math.max(process.resourceUsage().maxRSS, childPeakRssKb),
  }),
);
