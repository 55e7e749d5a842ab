import type { SourceIdentity } from '../shared/errors.ts';
import type { JobResult } from './core.ts';

/**
 * What a job is (one uploaded image, or a manifest of keys) and the document its result is:
 * `inference/<rel>/result.json`, the item's `result` in `media-kit run`.
 */

/** A manifest is JSON (an object); anything else uploaded under the ingest prefix is one image. */
export function isManifestBytes(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b; // '{'
  }
  return false;
}

export interface JobDocument extends JobResult {
  readonly pipeline: 'inference';
  /** Which upload this job is: the worker orders outcomes of one key by it. */
  readonly input: SourceIdentity;
  readonly job: {
    readonly kind: 'image' | 'manifest';
    /** When the job's input was uploaded (the S3 event's time): the day its index line belongs to. */
    readonly submittedAt?: string;
    readonly completedAt: string;
  };
  readonly model: JobResult['model'] & { readonly loadMs: number };
}

export function jobDocument(
  source: SourceIdentity,
  object: { readonly eventTime?: string },
  result: JobResult,
  job: { readonly kind: 'image' | 'manifest'; readonly loadMs: number },
  now: Date = new Date(),
): JobDocument {
  return {
    pipeline: 'inference',
    input: source,
    job: { kind: job.kind, ...(object.eventTime ? { submittedAt: object.eventTime } : {}), completedAt: now.toISOString() },
    ...result,
    model: { ...result.model, loadMs: Math.round(job.loadMs) },
  };
}
