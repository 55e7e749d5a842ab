import { randomUUID } from 'node:crypto';

/** One PutEvents entry, as the API takes it. */
export interface PutEventsEntry {
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly EventBusName?: unknown;
  readonly Resources?: unknown;
  /** Epoch seconds (what the SDK sends), or an ISO 8601 string. */
  readonly Time?: unknown;
  readonly TraceHeader?: unknown;
}

export type PutEventsResultEntry = { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** The event a rule sees: EventBridge's envelope around the entry's detail. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** A request EventBridge refuses as a whole (HTTP 400 with this `__type`). */
export class PutEventsRequestError extends Error {
  override readonly name = 'PutEventsRequestError';

  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_ENTRIES = 10;
/** PutEvents caps the entries of one request at 256 KB, counted as EventBridge counts them. */
export const MAX_REQUEST_BYTES = 256 * 1024;

/** The entries of a PutEvents request body, or the error EventBridge answers the whole request with. */
export function requestEntries(body: unknown): PutEventsEntry[] {
  const entries = (body as { Entries?: unknown } | null)?.Entries;
  if (entries === undefined || entries === null) {
    throw new PutEventsRequestError('ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
  }
  if (!Array.isArray(entries)) throw new PutEventsRequestError('SerializationException', 'Entries must be a list');
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new PutEventsRequestError(
      'ValidationException',
      `1 validation error detected: Value '${entries.length} entries' at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`}`,
    );
  }
  if (entries.reduce((total: number, entry) => total + entrySize(entry as PutEventsEntry), 0) > MAX_REQUEST_BYTES) {
    throw new PutEventsRequestError('ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  return entries as PutEventsEntry[];
}

/** An entry's size by EventBridge's rule: UTF-8 bytes of Source, DetailType, Detail and Resources, plus 14 for a Time. */
export function entrySize(entry: PutEventsEntry): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  let size = entry.Time !== undefined ? 14 : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const resource of entry.Resources) size += bytes(resource);
  return size;
}

/** The bus an entry names: a name, an ARN (`…:event-bus/NAME`), or the default bus. */
export function busNameOf(entry: PutEventsEntry): string {
  const name = typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : 'default';
  const arn = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(name);
  return arn ? arn[1]! : name;
}

/**
 * Checks an entry as EventBridge does, and wraps it in the envelope rules match. `trusted` is
 * for events the runtime emits on a service's behalf (S3's `aws.s3`): callers of the API may not
 * use an `aws.` source.
 */
export function toBusEvent(
  entry: PutEventsEntry,
  where: { readonly region: string; readonly account: string; readonly now: number },
  trusted = false,
): { event: BusEvent } | { error: { ErrorCode: string; ErrorMessage: string } } {
  const invalid = (parameter: string, reason: string) => ({ error: { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}` } });
  if (typeof entry.Source !== 'string' || entry.Source === '') return invalid('Source', 'Source is a required argument.');
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return invalid('DetailType', 'DetailType is a required argument.');
  if (typeof entry.Detail !== 'string' || entry.Detail === '') return invalid('Detail', 'Detail is a required argument.');
  if (!trusted && entry.Source.startsWith('aws.')) return { error: { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' } };
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    detail = undefined;
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  const resources = entry.Resources ?? [];
  if (!Array.isArray(resources) || resources.some((resource) => typeof resource !== 'string')) return invalid('Resources', 'Resources must be a list of strings.');
  let time = where.now;
  if (entry.Time !== undefined) {
    const parsed = typeof entry.Time === 'number' ? entry.Time * 1000 : typeof entry.Time === 'string' ? Date.parse(entry.Time) : Number.NaN;
    if (!Number.isFinite(parsed)) return invalid('Time', 'Time must be a timestamp.');
    time = parsed;
  }
  return {
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: where.account,
      time: eventTime(time),
      region: where.region,
      resources: resources as string[],
      detail: detail as Record<string, unknown>,
    },
  };
}

/** EventBridge's event time: ISO 8601 in UTC to the second (`2026-01-01T00:00:00Z`). */
export function eventTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
