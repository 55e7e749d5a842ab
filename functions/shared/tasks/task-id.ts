import { createHash, randomBytes } from 'node:crypto';

/**
 * Task ids sort by creation time (DESIGN.md, "Tasks"): 10 Crockford base32 characters of
 * milliseconds since the epoch (as a ULID's), then 16 characters naming the task. For an upload
 * the name is a hash of bucket, key and the S3 event's sequencer, so a redelivery of one event is
 * the same task while a new upload of the same key is a new one.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const NAME_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;

export const TASK_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function encodeTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIME) throw new RangeError(`Task time out of range: ${ms}`);
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeBytes(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length === chars) break;
  }
  return out;
}

export interface UploadIdentity {
  readonly bucket: string;
  readonly key: string;
  /** The S3 event's sequencer; absent only for events that carry none (then eTag stands in). */
  readonly sequencer?: string;
  readonly eTag?: string;
  /** The event's time (ms): when the upload happened. */
  readonly eventTimeMs: number;
}

export function uploadTaskId(upload: UploadIdentity): string {
  const name = createHash('sha256')
    .update(`${upload.bucket}\0${upload.key}\0${upload.sequencer ?? `etag:${upload.eTag ?? ''}`}`)
    .digest();
  return encodeTime(upload.eventTimeMs) + encodeBytes(name, NAME_CHARS);
}

/** A task submitted over HTTP without an Idempotency-Key. */
export function generatedTaskId(nowMs: number, random: Uint8Array = randomBytes(10)): string {
  return encodeTime(nowMs) + encodeBytes(random, NAME_CHARS);
}

/** The smallest id of a task created at or after `ms`: the bound of a "since" query. */
export function taskIdFloor(ms: number): string {
  return encodeTime(Math.max(0, Math.floor(ms))) + '0'.repeat(NAME_CHARS);
}

/** When the task was created, read back from its id. */
export function taskIdTime(id: string): number {
  if (!TASK_ID_PATTERN.test(id)) throw new RangeError(`Not a task id: ${id}`);
  let ms = 0;
  for (const char of id.slice(0, TIME_CHARS)) ms = ms * 32 + ALPHABET.indexOf(char);
  return ms;
}

/**
 * Where a submitted task's input goes: `<ingestPrefix><id>.json` for JSON, `<ingestPrefix><id>/<name>`
 * for a file. The id in the key is how the worker finds the task its upload event belongs to.
 */
export function submittedInputKey(ingestPrefix: string, taskId: string, fileName?: string): string {
  return fileName === undefined ? `${ingestPrefix}${taskId}.json` : `${ingestPrefix}${taskId}/${fileName}`;
}

/** The submitted task an input key names, if its shape is {@link submittedInputKey}'s. */
export function submittedTaskIdOf(ingestPrefix: string, key: string): string | undefined {
  if (!key.startsWith(ingestPrefix)) return undefined;
  const match = key.slice(ingestPrefix.length).match(/^([0-9A-HJKMNP-TV-Z]{26})(?:\.json$|\/[^/]+$)/);
  return match?.[1];
}
