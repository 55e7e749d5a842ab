import type { Architecture } from './estimate.ts';
import type { PriceTable } from './price-table.ts';

/** What the cost report needs of a task record. */
export interface CostedTask {
  readonly pipeline: string;
  readonly architecture: Architecture;
  readonly gbSeconds: number;
  readonly costUsd: number;
  readonly attempts: ReadonlyArray<{ readonly startedAt: number; readonly endedAt?: number; readonly durationMs?: number; readonly memoryMb: number }>;
}

export interface PipelineCost {
  readonly pipeline: string;
  readonly tasks: number;
  readonly p50DurationMs: number;
  readonly p95DurationMs: number;
  readonly gbSeconds: number;
  readonly costPerTaskUsd: number;
  readonly costPer1000Usd: number;
  /** Most attempts running at one instant, as measured. */
  readonly peakConcurrency: number;
  /** An always-on Fargate task with the CPU and memory that peak used on Lambda. */
  readonly container: { readonly vcpu: number; readonly memoryGb: number; readonly monthlyUsd: number };
  /** Tasks a month at which the always-on container starts to cost less. */
  readonly breakEvenTasksPerMonth: number;
}

/** Lambda allocates CPU in proportion to memory: 1 769 MB buys one vCPU. */
export const MB_PER_VCPU = 1769;
export const HOURS_PER_MONTH = 730;

function percentileOf(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The most intervals open at once (an interval's end is exclusive). */
export function peakConcurrency(intervals: ReadonlyArray<readonly [number, number]>): number {
  const edges = intervals.flatMap(([start, end]) => [[start, 1] as const, [end, -1] as const]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    open += delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** The smallest Fargate size (0.25 vCPU steps, 0.5 GB steps, 2–8 GB per vCPU) holding the demand. */
export function fargateSize(vcpuNeeded: number, memoryGbNeeded: number): { vcpu: number; memoryGb: number } {
  const vcpu = Math.max(0.25, Math.ceil(vcpuNeeded * 4 - 1e-9) / 4);
  const memoryGb = Math.max(0.5, Math.ceil(memoryGbNeeded * 2 - 1e-9) / 2, vcpu * 2);
  return { vcpu: Math.max(vcpu, memoryGb / 8), memoryGb };
}

/** Per pipeline: tasks, durations, GB-s, cost per task and per 1 000, against an always-on container. */
export function costReport(tasks: readonly CostedTask[], prices: PriceTable): PipelineCost[] {
  const byPipeline = new Map<string, CostedTask[]>();
  for (const task of tasks) byPipeline.set(task.pipeline, [...(byPipeline.get(task.pipeline) ?? []), task]);
  return [...byPipeline.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pipeline, group]) => {
      const attempts = group.flatMap((task) => task.attempts.map((attempt) => ({ ...attempt, architecture: task.architecture })));
      const durations = group.map((task) => task.attempts.reduce((sum, a) => sum + (a.durationMs ?? 0), 0)).sort((a, b) => a - b);
      const intervals = attempts.filter((a) => a.endedAt !== undefined).map((a) => [a.startedAt, a.endedAt!] as const);
      const peak = Math.max(1, peakConcurrency(intervals));
      const memoryMb = Math.max(...attempts.map((a) => a.memoryMb), 128);
      const architecture = group[0]!.architecture;
      const size = fargateSize((peak * memoryMb) / MB_PER_VCPU, (peak * memoryMb) / 1024);
      const rate = prices.fargate[architecture];
      const monthlyUsd = HOURS_PER_MONTH * (size.vcpu * rate.vcpuHour + size.memoryGb * rate.gbHour);
      const totalUsd = group.reduce((sum, task) => sum + task.costUsd, 0);
      const costPerTaskUsd = totalUsd / group.length;
      return {
        pipeline,
        tasks: group.length,
        p50DurationMs: percentileOf(durations, 50),
        p95DurationMs: percentileOf(durations, 95),
        gbSeconds: group.reduce((sum, task) => sum + task.gbSeconds, 0),
        costPerTaskUsd,
        costPer1000Usd: costPerTaskUsd * 1000,
        peakConcurrency: peak,
        container: { ...size, monthlyUsd },
        breakEvenTasksPerMonth: costPerTaskUsd > 0 ? Math.round(monthlyUsd / costPerTaskUsd) : Number.POSITIVE_INFINITY,
      };
    });
}
