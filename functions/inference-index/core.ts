import { z } from 'zod';
import { taskIdentityOf } from '../shared/tasks/task-identity.ts';

/**
 * The inference index's pure part: which line a job's result becomes, where it goes, and how a
 * day's lines compact into one JSONL file. Idempotency comes from the keys: a job is one entry
 * object `<prefix><model>/<day>/<taskId>.json` (a redelivery overwrites it), and the daily file
 * `<prefix><model>/<day>.jsonl` holds one line per entry object, keyed by task id.
 */

/** The fields of a result document (functions/inference/job.ts) the index reads; the rest is ignored. */
export const indexedResultSchema = z.object({
  pipeline: z.literal('inference'),
  input: z.object({ bucket: z.string(), key: z.string(), eTag: z.string().optional(), sequencer: z.string().optional() }),
  job: z.object({ kind: z.enum(['image', 'manifest']), submittedAt: z.string().optional(), completedAt: z.string() }),
  status: z.enum(['succeeded', 'partial']),
  model: z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/), version: z.string(), sha256: z.string() }),
  summary: z.object({ images: z.number(), succeeded: z.number(), failed: z.number() }),
  images: z.array(
    z.union([
      z.object({ key: z.string(), status: z.literal('succeeded'), top: z.array(z.object({ label: z.string(), probability: z.number() })) }),
      z.object({ key: z.string(), status: z.literal('failed'), error: z.object({ code: z.string() }) }),
    ]),
  ),
});
export type IndexedResult = z.infer<typeof indexedResultSchema>;

export interface IndexLine {
  readonly taskId: string;
  readonly day: string;
  readonly resultKey: string;
  readonly input: { readonly bucket: string; readonly key: string };
  readonly model: { readonly name: string; readonly version: string; readonly sha256: string };
  readonly status: 'succeeded' | 'partial';
  readonly summary: { readonly images: number; readonly succeeded: number; readonly failed: number };
  /** Per image: its best class, or the code it failed with. */
  readonly images: readonly ({ readonly key: string; readonly label: string; readonly probability: number } | { readonly key: string; readonly code: string })[];
  readonly submittedAt?: string;
  readonly completedAt: string;
}

/** The line of a job; the day is the upload's (stable across redeliveries and reruns of the same upload). */
export function indexLineOf(result: IndexedResult, resultKey: string, ingestPrefix: string): IndexLine {
  const stamp = result.job.submittedAt ?? result.job.completedAt;
  const { taskId } = taskIdentityOf({ id: 'inference', ingestPrefix }, { ...result.input, ...(result.job.submittedAt ? { eventTime: result.job.submittedAt } : {}) });
  return {
    taskId,
    day: dayOf(stamp),
    resultKey,
    input: { bucket: result.input.bucket, key: result.input.key },
    model: result.model,
    status: result.status,
    summary: result.summary,
    images: result.images.map((image) =>
      image.status === 'succeeded' ? { key: image.key, label: image.top[0]?.label ?? '', probability: image.top[0]?.probability ?? 0 } : { key: image.key, code: image.error.code },
    ),
    ...(result.job.submittedAt ? { submittedAt: result.job.submittedAt } : {}),
    completedAt: result.job.completedAt,
  };
}

export function dayOf(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`'${iso}' is not a timestamp`);
  return new Date(ms).toISOString().slice(0, 10);
}

export interface IndexKeys {
  /** One object per job: the source of truth, written first. */
  readonly entry: string;
  /** Where the day's entries are listed from. */
  readonly entriesPrefix: string;
  /** The compacted day: one JSONL line per entry. */
  readonly daily: string;
}

export function indexKeysOf(indexPrefix: string, line: Pick<IndexLine, 'model' | 'day' | 'taskId'>): IndexKeys {
  const entriesPrefix = `${indexPrefix}${line.model.name}/${line.day}/`;
  return { entry: `${entriesPrefix}${line.taskId}.json`, entriesPrefix, daily: `${indexPrefix}${line.model.name}/${line.day}.jsonl` };
}

/** The task id an entry key names (`…/<day>/<taskId>.json`), or undefined for any other key. */
export function taskIdOfEntryKey(entriesPrefix: string, key: string): string | undefined {
  if (!key.startsWith(entriesPrefix)) return undefined;
  return key.slice(entriesPrefix.length).match(/^([0-9A-HJKMNP-TV-Z]{26})\.json$/)?.[1];
}

/** A daily file's lines by task id (a line that is not an index line is a corruption: surfaced). */
export function parseDaily(text: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    let taskId: unknown;
    try {
      taskId = (JSON.parse(raw) as { taskId?: unknown }).taskId;
    } catch {
      throw new Error(`Daily index line ${i + 1} is not JSON`);
    }
    if (typeof taskId !== 'string') throw new Error(`Daily index line ${i + 1} has no taskId`);
    lines.set(taskId, raw);
  }
  return lines;
}

/** The day's file: one line per task id, in task id order (ids sort by creation time), so the same set always gives the same bytes. */
export function compactDaily(lines: ReadonlyMap<string, string>): string {
  return [...lines.keys()].sort().map((id) => `${lines.get(id)}\n`).join('');
}
