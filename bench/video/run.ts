import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBinaries } from '../../functions/shared/ffmpeg/binaries.ts';
import { captureFrames, scaleFilter } from '../../functions/shared/ffmpeg/capture.ts';
import { DEFAULT_HLS_RENDITIONS, encodeHls } from '../../functions/shared/ffmpeg/hls.ts';
import { probe } from '../../functions/shared/ffmpeg/probe.ts';
import { runFfmpeg } from '../../functions/shared/ffmpeg/runner.ts';
import { withWorkDir } from '../../functions/shared/ffmpeg/work-dir.ts';
import { captureOptionsSchema } from '../../functions/video-capture/options.ts';
import { planCapture } from '../../functions/video-capture/strategies.ts';
import { median, printTable, writeResults } from '../lib/report.ts';
import { measure } from './cpu-clock.ts';

/**
 * bench/video (capture half): processing seconds per minute of 720p and 1080p H.264 (30 fps,
 * 2 s GOP) at one frame every 5 s, 640 px JPEG frames —
 *   baseline  one whole-file decode with `-vf fps=1/5` (what a naive pipeline does),
 *   interval  our capture as configured by default: one input seek (`-ss` before `-i`) per frame,
 *             taking the keyframe up to 2.5 s before each time (one keyframe decoded),
 *   interval exact  the same with snapToKeyframes off: decodes from the keyframe to the exact frame,
 *   keyframes our capture with `-skip_frame nokey` (every keyframe: 2.5x the frames here),
 * all in the same run, plus the film preset's HLS encode (360p + 720p, 6 s segments).
 * "x realtime per core" = media seconds ÷ CPU seconds (ffmpeg's own and ours).
 *   npx tsx bench/video/run.ts [--seconds 120] [--rounds 1] [--no-hls]
 * Moderation frames/s and RSS are P3's bench (bench/moderation); their columns are left empty here.
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const seconds = flag('seconds', 120);
const rounds = flag('rounds', 1);
const withHls = !args.includes('--no-hls');
const INTERVAL = 5;
const TARGETS = { intervalVsBaseline: 5, intervalRealtimePerCore720p: 150, keyframesRealtime: 400 };
const binaries = loadBinaries();
const budget = () => ({ signal: AbortSignal.timeout(30 * 60_000) });

const inputs = join(tmpdir(), 'media-kit-bench-video');
mkdirSync(inputs, { recursive: true });
function input(height: 720 | 1080): string {
  const width = (height * 16) / 9;
  const file = join(inputs, `h264-${height}p-${seconds}s.mp4`);
  if (!existsSync(file)) {
    console.error(`generating ${width}x${height} ${seconds} s H.264 (2 s GOP)…`);
    execFileSync(binaries.ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '96k', '-shortest', `${file}.partial.mp4`,
    ]);
    execFileSync('mv', [`${file}.partial.mp4`, file]);
  }
  return file;
}

interface Sample {
  frames: number;
  wallSeconds: number;
  cpuSeconds: number;
}

type Variant = 'baseline fps=1/5' | 'interval (seek/frame)' | 'interval exact' | 'keyframes' | 'HLS 360p+720p';

async function runVariant(variant: Variant, file: string): Promise<Sample> {
  return withWorkDir(async (workDir) => {
    const context = { ...budget(), workDir };
    const { result, wallSeconds, cpuSeconds } = await measure(async () => {
      switch (variant) {
        case 'baseline fps=1/5': {
          const result = await runFfmpeg(
            binaries.ffmpeg,
            { inputs: [{ source: file }], outputs: [{ target: join(workDir, 'f-%05d.jpg'), options: ['-an', '-vf', `fps=1/${INTERVAL},${scaleFilter(640)}`, '-vsync', '0', '-q:v', '6'] }] },
            context,
          );
          if (result.exitCode !== 0) throw new Error(`baseline failed: ${result.stderrTail}`);
          return readdirSync(workDir).length;
        }
        case 'interval (seek/frame)':
        case 'interval exact': {
          const options = captureOptionsSchema.parse({ strategy: 'interval', intervalSeconds: INTERVAL, maxFrames: 1000, snapToKeyframes: variant === 'interval (seek/frame)' });
          const plan = planCapture(options, seconds, 30);
          return (await captureFrames(binaries, file, plan.request, {}, context)).frames.length;
        }
        case 'keyframes':
          return (await captureFrames(binaries, file, { mode: 'keyframes', maxFrames: 1000 }, {}, context)).frames.length;
        case 'HLS 360p+720p': {
          const probed = await probe(binaries, file, context);
          const out = await encodeHls(binaries, file, probed, { renditions: DEFAULT_HLS_RENDITIONS }, { ...context, outDir: join(workDir, 'hls') });
          return out.variants.reduce((n, v) => n + v.segments, 0);
        }
      }
    });
    return { frames: result, wallSeconds, cpuSeconds };
  });
}

const variants: Variant[] = ['baseline fps=1/5', 'interval (seek/frame)', 'interval exact', 'keyframes', ...(withHls ? (['HLS 360p+720p'] as const) : [])];
const results: Array<{ height: number; variant: Variant; samples: Sample[] }> = [];
for (const height of [720, 1080] as const) {
  const file = input(height);
  for (const variant of variants) results.push({ height, variant, samples: [] });
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...variants].reverse() : variants;
    for (const variant of order) {
      const sample = await runVariant(variant, file);
      results.find((r) => r.height === height && r.variant === variant)!.samples.push(sample);
      console.error(`${height}p ${variant}: ${sample.wallSeconds.toFixed(2)} s wall, ${sample.cpuSeconds.toFixed(2)} CPU s, ${sample.frames} ${variant.startsWith('HLS') ? 'segments' : 'frames'}`);
    }
  }
}

const summary = results.map(({ height, variant, samples }) => {
  const wall = median(samples.map((s) => s.wallSeconds));
  const cpu = median(samples.map((s) => s.cpuSeconds));
  return {
    height,
    variant,
    frames: samples[0]!.frames,
    wallSecondsPerMinute: (wall / seconds) * 60,
    cpuSecondsPerMinute: (cpu / seconds) * 60,
    realtime: seconds / wall,
    realtimePerCore: seconds / cpu,
  };
});
const row = (height: number, variant: Variant) => summary.find((s) => s.height === height && s.variant === variant);

printTable(
  ['input', 'variant', 'frames', 'wall s / media min', 'CPU s / media min', 'x realtime', 'x realtime per core', 'vs baseline (CPU)', 'vs baseline (wall)', 'moderation fps (P3)', 'RSS (P3)'],
  summary.map((s) => {
    const base = row(s.height, 'baseline fps=1/5')!;
    const comparable = !s.variant.startsWith('HLS');
    return [
      `${s.height}p ${seconds} s`,
      s.variant,
      s.frames,
      s.wallSecondsPerMinute.toFixed(2),
      s.cpuSecondsPerMinute.toFixed(2),
      s.realtime.toFixed(s.realtime < 10 ? 1 : 0),
      s.realtimePerCore.toFixed(s.realtimePerCore < 10 ? 1 : 0),
      comparable ? `${(base.cpuSecondsPerMinute / s.cpuSecondsPerMinute).toFixed(1)}x` : '—',
      comparable ? `${(base.wallSecondsPerMinute / s.wallSecondsPerMinute).toFixed(1)}x` : '—',
      '—',
      '—',
    ];
  }),
);

const interval720 = row(720, 'interval (seek/frame)')!;
const base720 = row(720, 'baseline fps=1/5')!;
const key720 = row(720, 'keyframes')!;
const checks = [
  [`interval vs whole-file decode at 720p (CPU)`, base720.cpuSecondsPerMinute / interval720.cpuSecondsPerMinute, TARGETS.intervalVsBaseline],
  [`interval vs whole-file decode at 720p (wall)`, base720.wallSecondsPerMinute / interval720.wallSecondsPerMinute, TARGETS.intervalVsBaseline],
  [`interval x realtime per core at 720p`, interval720.realtimePerCore, TARGETS.intervalRealtimePerCore720p],
  [`keyframes x realtime at 720p (wall)`, key720.realtime, TARGETS.keyframesRealtime],
  [`keyframes x realtime per core at 720p`, key720.realtimePerCore, TARGETS.keyframesRealtime],
] as const;
console.log('');
for (const [name, value, target] of checks) console.log(`${name}: ${value.toFixed(1)}x (target ≥ ${target}x): ${value >= target ? 'met' : 'MISSED'}`);
const file = writeResults('video', { seconds, rounds, interval: INTERVAL, targets: TARGETS, summary, results, moderation: null });
console.log(`results: ${file}`);
if (args.includes('--clean')) rmSync(inputs, { recursive: true, force: true });
