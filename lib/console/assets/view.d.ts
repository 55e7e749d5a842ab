// Types of view.js (plain JS for the browser, no build step) for the TypeScript that tests it.
import type { TaskRecord } from '../../../functions/shared/tasks/task-record.ts';
import type { PipelineCost } from '../../../functions/shared/cost/cost-report.ts';
import type { VideoReport } from '../../../functions/video-capture/report.ts';
import type { Rewards, LedgerBalance } from '../../../functions/battle-settlement/settlement.ts';
import type { RejectionReason } from '../../../functions/battle-settlement/errors.ts';
import type { Segment } from '../../../functions/shared/moderation/verdict.ts';

type Task = Pick<TaskRecord, 'taskId' | 'pipeline' | 'state' | 'input' | 'createdAt' | 'updatedAt' | 'attempts'> & Partial<TaskRecord>;

export declare const STATES: readonly string[];
export declare function isTerminal(state: string): boolean;
export declare function formatDuration(ms: number | undefined): string;
export declare function formatBytes(bytes: number | undefined): string;
export declare function formatUsd(usd: number | undefined): string;
export declare function taskDurationMs(task: Task, now?: number): number;
export declare function sortNewestFirst<T extends Task>(tasks: readonly T[]): T[];
export declare function filterTasks<T extends Task>(tasks: readonly T[], filter?: { pipeline?: string; state?: string; search?: string }): T[];
export declare function countByState(tasks: readonly Task[]): Record<string, number>;
export declare function mergeTasks<T extends Task>(current: readonly T[], updates: readonly T[]): T[];

export interface Tick { value: number; left: number }
export interface TimelineBar {
  kind: 'queued' | 'retry-wait' | 'attempt';
  label: string;
  attempt?: number;
  outcome?: string;
  error?: { code: string; message: string };
  from: number;
  to: number;
  durationMs: number;
  left: number;
  width: number;
}
export declare function timelineLayout(task: Task, now?: number): {
  start: number;
  end: number;
  spanMs: number;
  bars: TimelineBar[];
  ticks: Tick[];
  terminal?: { state: string; at: number; left: number };
};
export declare function axisTicks(min: number, max: number, target?: number): Tick[];
export declare function segmentAxis(
  segments: readonly Segment[],
  durationMs?: number,
): { durationMs: number; lanes: number; segments: Array<Segment & { lane: number; left: number; width: number }>; ticks: Tick[] };
export declare function classBars(classes: ReadonlyArray<{ label: string; probability?: number; score?: number }>, k?: number): Array<{ label: string; score: number; width: number }>;
export declare function costBars(report: readonly PipelineCost[]): {
  min: number;
  max: number;
  rows: Array<{ pipeline: string; per1000: { usd: number; width: number }; container: { usd: number; width: number; size: string }; breakEven: number }>;
};
export declare function gbSecondsSeries(tasks: readonly Task[]): Array<{ at: number; total: number }>;
export declare function polylinePoints(series: ReadonlyArray<{ at: number; total: number }>, width: number, height: number): string;
export declare function rejectionsByAction<A>(
  actions: readonly A[] | undefined,
  reasons: readonly RejectionReason[] | undefined,
): Array<{ reason: RejectionReason; index?: number; action?: A }>;
export declare function formatGrant(grant: Rewards | LedgerBalance | null | undefined): string;
export declare function mediaUrl(bucket: string, key: string): string;
export declare function mediaPathUrl(bucket: string, key: string): string;
export declare function videoFrames(report: Pick<VideoReport, 'frames'>): Array<{ timestampMs: number; key: string; width: number; height: number; label?: string; score?: number }>;
export declare function videoSummary(report: VideoReport): {
  verdict: VideoReport['verdict'];
  provider: string;
  flaggedFrames: number;
  segments: readonly Segment[];
  durationMs?: number;
  hlsMasterKey?: string;
  hlsVariants?: string[];
  poster?: NonNullable<VideoReport['poster']>;
  stream?: { streamId: string; verdict: VideoReport['verdict'] };
  quarantine?: NonNullable<VideoReport['quarantine']>;
};
export declare function readLogLine(text: string): { text: string } | { time: string; level: string; message: string; fields: string[] };
