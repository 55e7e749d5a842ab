import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { foldStreamSegment, type StreamVerdict, type Verdict } from '../shared/moderation/verdict.ts';

/**
 * A live stream's standing verdict, kept as one small JSON object in the results bucket
 * (`<outputPrefix><stream id>/stream-verdict.json`) and changed only by conditional writes: the
 * first segment creates it with If-None-Match: *, later ones replace it with If-Match on the
 * eTag they read. Two segments of one stream finishing at once cannot both win; the loser reads
 * again and folds its verdict into the winner's. A plain object beside the outputs needs no
 * table, and S3 enforces the conditions.
 */

export const STREAM_STATE_DOCUMENT = 'stream-verdict.json';
const MAX_ATTEMPTS = 8;

export function streamStateKey(outputPrefix: string, streamId: string): string {
  return `${outputPrefix}${streamId}/${STREAM_STATE_DOCUMENT}`;
}

export async function recordStreamSegment(
  s3: S3Client,
  bucket: string,
  key: string,
  segment: { readonly streamId: string; readonly segmentKey: string; readonly verdict: Verdict },
  signal?: AbortSignal,
): Promise<StreamVerdict> {
  for (let attempt = 1; ; attempt++) {
    const current = await readState(s3, bucket, key, signal);
    const next = foldStreamSegment(current?.state, segment);
    if (current && next === current.state) return next; // nothing to escalate (or a redelivered segment)
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: `${JSON.stringify(next, null, 2)}\n`,
          ContentType: 'application/json',
          ...(current ? { IfMatch: current.eTag } : { IfNoneMatch: '*' }),
        }),
        signal ? { abortSignal: signal } : {},
      );
      return next;
    } catch (error) {
      if (!isLostRace(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

async function readState(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<{ state: StreamVerdict; eTag: string } | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
    const text = (await response.Body?.transformToString()) ?? '';
    const state = JSON.parse(text) as StreamVerdict;
    if (typeof state?.streamId !== 'string' || typeof state.verdict !== 'string' || !Array.isArray(state.escalations)) {
      throw new Error(`${key} is not a stream verdict document`);
    }
    return { state, eTag: response.ETag ?? '' };
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** 412: the object changed (If-Match) or appeared (If-None-Match) since it was read; 409: a concurrent conditional write. */
function isLostRace(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || e.$metadata?.httpStatusCode === 412 || e.$metadata?.httpStatusCode === 409;
}
