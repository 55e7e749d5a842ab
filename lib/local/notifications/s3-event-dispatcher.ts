import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SpyMessage } from 'fauxqs';
import { BatchedSender } from './batched-sender.ts';
import { ruleMatches, type NotificationRule } from './notification-rules.ts';
import { s3EventRecord, type S3EventName, type S3ObjectEvent } from './s3-event-record.ts';

export interface DispatcherDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly region: string;
  /** Invokes a function asynchronously (Lambda's Event invocation type). */
  readonly invokeAsync: (functionName: string, event: unknown) => void;
  /** Called once per matching rule, before the event is sent: the upload is now a task. */
  readonly onDelivering: (rule: NotificationRule, event: S3ObjectEvent) => void;
  /** A rule's event could not be sent: reported so the upload it names does not wait forever. */
  readonly onDeliveryFailed: (rule: NotificationRule, event: S3ObjectEvent, error: Error) => void;
  readonly onError: (error: Error) => void;
  /** Buckets with EventBridge enabled, and where their object events go (the default bus). */
  readonly eventBridge?: { readonly buckets: ReadonlySet<string>; readonly publish: (event: S3ObjectEvent) => void };
}

/**
 * Turns the emulator's object writes into S3 event notifications, and into EventBridge events
 * for buckets that publish there (one description of each write feeds both, so both carry the
 * same size, ETag and sequencer). fauxqs records a write in its
 * spy synchronously; a copy records `uploaded` then `copied` in the same tick, so the event name is
 * settled one microtask later. Size and ETag come from a HEAD of the object (a multipart ETag ends
 * in `-<parts>`, which is how CompleteMultipartUpload is told from Put).
 */
export class S3EventDispatcher {
  private sequence = 0n;
  private readonly pending = new Map<string, { copied: boolean }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sender: BatchedSender;

  constructor(
    private readonly rules: readonly NotificationRule[],
    private readonly deps: DispatcherDeps,
  ) {
    this.sender = new BatchedSender(deps.sqs);
  }

  handle(message: SpyMessage): void {
    if (message.service !== 's3') return;
    const { bucket, key, status } = message;
    if (!this.rules.some((rule) => rule.bucket === bucket) && !this.deps.eventBridge?.buckets.has(bucket)) return;
    const id = `${bucket}\n${key}`;
    if (status === 'copied') {
      const pending = this.pending.get(id);
      if (pending) pending.copied = true;
      return;
    }
    if (status === 'deleted') {
      this.track(this.dispatch({ eventName: 'ObjectRemoved:Delete', bucket, key, size: 0, eTag: '', sequencer: this.nextSequencer(), time: new Date(message.timestamp) }));
      return;
    }
    if (status !== 'uploaded') return;
    const sequencer = this.nextSequencer();
    const time = new Date(message.timestamp);
    const pending = { copied: false };
    this.pending.set(id, pending);
    queueMicrotask(() => {
      this.pending.delete(id);
      this.track(this.describeAndDispatch(bucket, key, pending.copied, sequencer, time));
    });
  }

  /** Resolves when every event seen so far has been delivered (or failed). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private async describeAndDispatch(bucket: string, key: string, copied: boolean, sequencer: string, time: Date): Promise<void> {
    let size = 0;
    let eTag = '';
    try {
      const head = await this.deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      size = head.ContentLength ?? 0;
      eTag = (head.ETag ?? '').replaceAll('"', '');
    } catch (error) {
      // Deleted before we looked: S3 still notifies the creation; the handler will find it gone.
      const name = (error as { name?: string }).name;
      if (name !== 'NotFound' && name !== 'NoSuchKey') {
        // The event cannot be described, so it is not sent; the upload it names is a task that
        // fails now rather than one nothing would ever end.
        const event: S3ObjectEvent = { eventName: copied ? 'ObjectCreated:Copy' : 'ObjectCreated:Put', bucket, key, size, eTag, sequencer, time };
        const reason = new Error(`Reading s3://${bucket}/${key} for its event failed: ${(error as Error).message}`, { cause: error });
        for (const rule of this.matchingRules(event)) {
          this.deps.onDelivering(rule, event);
          this.deps.onDeliveryFailed(rule, event, reason);
        }
        if (this.deps.eventBridge?.buckets.has(bucket)) this.deps.onError(new Error(`No EventBridge event for s3://${bucket}/${key}: ${reason.message}`, { cause: error }));
        return;
      }
    }
    const eventName: S3EventName = copied ? 'ObjectCreated:Copy' : /-\d+$/.test(eTag) ? 'ObjectCreated:CompleteMultipartUpload' : 'ObjectCreated:Put';
    await this.dispatch({ eventName, bucket, key, size, eTag, sequencer, time });
  }

  private matchingRules(event: S3ObjectEvent): NotificationRule[] {
    return this.rules.filter((rule) => rule.bucket === event.bucket && ruleMatches(rule, event.eventName, event.key));
  }

  private async dispatch(event: S3ObjectEvent): Promise<void> {
    if (this.deps.eventBridge?.buckets.has(event.bucket)) this.deps.eventBridge.publish(event);
    const matching = this.matchingRules(event);
    await Promise.all(
      matching.map(async (rule) => {
        this.deps.onDelivering(rule, event);
        const body = { Records: [s3EventRecord(event, rule.id, this.deps.region)] };
        if (rule.target.kind === 'function') {
          this.deps.invokeAsync(rule.target.functionName, body);
          return;
        }
        try {
          await this.sender.send(rule.target.queueUrl, JSON.stringify(body));
        } catch (error) {
          this.deps.onDeliveryFailed(rule, event, error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.deps.onError(new Error(`Delivering an S3 event failed: ${(error as Error).message}`, { cause: error }));
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** S3 sequencers are hex strings that order events per key; one global counter orders them all. */
  private nextSequencer(): string {
    this.sequence += 1n;
    return (BigInt(Date.now()) * 1_000_000n + this.sequence).toString(16).toUpperCase().padStart(18, '0');
  }
}
