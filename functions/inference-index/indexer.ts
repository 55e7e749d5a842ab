import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KitEventPublisher } from '../shared/tasks/task-events.ts';
import { compactDaily, indexedResultSchema, indexKeysOf, indexLineOf, parseDaily, taskIdOfEntryKey, type IndexLine } from './core.ts';

/** Published on the kit bus once a job's line is in its day's index (at least once: consumers dedupe by taskId). */
export const INFERENCE_COMPLETED = 'Inference Completed';

/** Rounds of list → write → re-list before giving up (the invocation fails and is retried). */
const MAX_COMPACTION_ROUNDS = 6;

export interface IndexerDeps {
  readonly s3: S3Client;
  readonly resultsBucket: string;
  readonly ingestPrefix: string;
  readonly indexPrefix: string;
  readonly events?: KitEventPublisher;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Indexes one result document. Correct under concurrency and redelivery without conditional
 * writes:
 *  1. the job's entry object is put at a key derived from its task id (a redelivery overwrites it);
 *  2. the daily file is rebuilt from the listing of the day's entries (lines already in it are
 *     reused, missing ones read from their entry), written, and the entries are listed again: if
 *     the listing holds an id the written file lacks, the round repeats.
 * Whichever invocation writes the daily file last re-lists afterwards, and every entry was put
 * before its own invocation listed, so the last write's re-list sees every entry put before it:
 * the final file has exactly one line per entry (S3 listings are strongly consistent).
 */
export async function indexResult(deps: IndexerDeps, resultKey: string, versionId?: string): Promise<IndexLine> {
  const document = indexedResultSchema.parse(JSON.parse(await getText(deps.s3, deps.resultsBucket, resultKey, versionId)));
  const line = indexLineOf(document, resultKey, deps.ingestPrefix);
  const keys = indexKeysOf(deps.indexPrefix, line);
  const json = JSON.stringify(line);
  await put(deps.s3, deps.resultsBucket, keys.entry, `${json}\n`, 'application/json');

  for (let round = 1; ; round++) {
    const listed = await listEntryIds(deps.s3, deps.resultsBucket, keys.entriesPrefix);
    const existing = await getTextIfExists(deps.s3, deps.resultsBucket, keys.daily);
    const known = existing === undefined ? new Map<string, string>() : parseDaily(existing);
    const lines = new Map<string, string>();
    for (const id of listed) {
      const reuse = id === line.taskId ? json : known.get(id);
      lines.set(id, reuse ?? (await getText(deps.s3, deps.resultsBucket, `${keys.entriesPrefix}${id}.json`)).trim());
    }
    const content = compactDaily(lines);
    if (content !== existing) await put(deps.s3, deps.resultsBucket, keys.daily, content, 'application/x-ndjson');
    const after = await listEntryIds(deps.s3, deps.resultsBucket, keys.entriesPrefix);
    if (after.every((id) => lines.has(id))) break;
    if (round >= MAX_COMPACTION_ROUNDS) throw new Error(`${keys.daily} kept changing under ${round} compactions; the event will be retried`);
    await (deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(20 * round + Math.random() * 50);
  }

  await deps.events?.publish(INFERENCE_COMPLETED, {
    taskId: line.taskId,
    pipeline: 'inference',
    input: line.input,
    resultKey,
    status: line.status,
    model: line.model,
    summary: line.summary,
    index: { bucket: deps.resultsBucket, key: keys.daily },
  });
  return line;
}

async function listEntryIds(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const object of page.Contents ?? []) {
      const id = object.Key ? taskIdOfEntryKey(prefix, object.Key) : undefined;
      if (id) ids.push(id);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return ids;
}

async function getText(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
  return (await response.Body?.transformToString('utf8')) ?? '';
}

async function getTextIfExists(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    return await getText(s3, bucket, key);
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number }; name?: string }).$metadata?.httpStatusCode;
    if (status === 404 || (error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function put(s3: S3Client, bucket: string, key: string, body: string, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}
