import type { AddressInfo } from 'node:net';
import { buildApp, type SpyMessage } from 'fauxqs';
import { serveObjectTagging } from './object-tagging.ts';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { LOOPBACK } from './loopback.ts';

export type EmulatorEventListener = (event: SpyMessage) => void;

/** A queue as the emulator holds it: attributes and messages by state. */
export interface QueueSnapshot {
  readonly attributes: Readonly<Record<string, string>>;
  readonly messages: { readonly ready: readonly unknown[]; readonly inflight: readonly unknown[]; readonly delayed: readonly unknown[] };
}

export interface S3SqsEmulator {
  readonly port: number;
  readonly endpoint: string;
  createBucket(name: string): void;
  /** Creates a queue; its URL is `http://sqs.<region>.localhost:<port>/000000000000/<name>` (fauxqs 1.9.2's form). */
  createQueue(name: string, options: { region: string; attributes: Record<string, string> }): { queueUrl: string; queueArn: string };
  inspectQueue(name: string): QueueSnapshot | undefined;
  /**
   * Resolves true once the queue has a message a receive would return (new, delayed no longer,
   * or back from an expired visibility timeout), false after `seconds` without one. Takes nothing:
   * a poller waits here before it holds a concurrency slot, and receives only once it has one.
   */
  waitForMessages(queueName: string, seconds: number, signal?: AbortSignal): Promise<boolean>;
  /** Every S3 object event and SQS message event, synchronously as the emulator records it. */
  onEvent(listener: EmulatorEventListener): void;
  stop(): Promise<void>;
}

/** The parts of fauxqs 1.9.2's stores the runtime drives (not in its public types). */
interface SqsQueueInternals {
  messages: unknown[];
  processTimers(): void;
  waitForMessages(seconds: number): Promise<void>;
  isFifo(): boolean;
  hasAvailableFifoMessages(): boolean;
}
interface SqsStoreInternals {
  host: string;
  region: string;
  spy: unknown;
  queuesByName: Map<string, SqsQueueInternals>;
  createQueue(name: string, url: string, arn: string, attributes?: Record<string, string>, tags?: Record<string, string>): void;
  buildQueueUrl(name: string, port: string, requestHost: string, region: string): string;
  inspectQueue(name: string): QueueSnapshot | undefined;
  shutdown(): void;
}
interface StoreModules {
  SqsStore: new () => SqsStoreInternals;
  SnsStore: new () => { spy: unknown; region: string };
  S3Store: new () => { spy: unknown; createBucket(name: string): void };
}

/** fauxqs's store classes, from the files of the pinned version (its package exports only app.js). */
async function loadStores(): Promise<StoreModules> {
  const app = import.meta.resolve('fauxqs');
  const [sqs, sns, s3] = await Promise.all([
    import(new URL('./sqs/sqsStore.js', app).href) as Promise<{ SqsStore: StoreModules['SqsStore'] }>,
    import(new URL('./sns/snsStore.js', app).href) as Promise<{ SnsStore: StoreModules['SnsStore'] }>,
    import(new URL('./s3/s3Store.js', app).href) as Promise<{ S3Store: StoreModules['S3Store'] }>,
  ]);
  return { SqsStore: sqs.SqsStore, SnsStore: sns.SnsStore, S3Store: s3.S3Store };
}

/**
 * fauxqs 1.9.2 in-process, bound to 127.0.0.1. Its `startFauxqs` listens on 0.0.0.0 whatever it
 * is given, so the runtime builds the same app (`buildApp`, public) over stores of its own and
 * listens itself. Owning the stores also gives the runtime the emulator's event stream: the one
 * place S3 writes and DLQ moves become visible (fauxqs has no bucket notifications), delivered to
 * our listeners synchronously and in order, none evicted before we see it.
 */
export async function startS3SqsEmulator(options: { port?: number; region: string }): Promise<S3SqsEmulator> {
  const { SqsStore, SnsStore, S3Store } = await loadStores();
  const listeners: EmulatorEventListener[] = [];
  const spy = { addMessage: (message: SpyMessage) => listeners.forEach((listener) => listener(message)) };
  const sqsStore = new SqsStore();
  const snsStore = new SnsStore();
  const s3Store = new S3Store();
  for (const store of [sqsStore, snsStore, s3Store]) store.spy = spy;
  sqsStore.region = options.region;
  snsStore.region = options.region;
  const app = buildApp({ logger: false, host: 'localhost', defaultRegion: options.region, stores: { sqsStore, snsStore, s3Store } as never });
  serveObjectTagging(app as never);
  try {
    await app.listen({ port: options.port ?? 0, host: LOOPBACK });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new LocalRuntimeError(
      LocalErrorCode.EMULATOR_FAILED,
      `The S3/SQS emulator did not start on ${LOOPBACK}:${options.port ?? 0}: ${(error as Error).message}`,
      { port: options.port },
      { cause: error },
    );
  }
  const port = (app.server.address() as AddressInfo).port;
  const available = (queue: SqsQueueInternals) => (queue.isFifo() ? queue.hasAvailableFifoMessages() : queue.messages.length > 0);
  return {
    port,
    endpoint: `http://${LOOPBACK}:${port}`,
    createBucket: (name) => s3Store.createBucket(name),
    createQueue(name, { region, attributes }) {
      const queueUrl = sqsStore.buildQueueUrl(name, String(port), `${LOOPBACK}:${port}`, region);
      const queueArn = `arn:aws:sqs:${region}:000000000000:${name}`;
      sqsStore.createQueue(name, queueUrl, queueArn, attributes);
      return { queueUrl, queueArn };
    },
    inspectQueue: (name) => sqsStore.inspectQueue(name),
    async waitForMessages(queueName, seconds, signal) {
      const queue = sqsStore.queuesByName.get(queueName);
      if (!queue) throw new LocalRuntimeError(LocalErrorCode.EMULATOR_FAILED, `The emulator has no queue ${queueName}`);
      queue.processTimers();
      if (available(queue)) return true;
      if (signal?.aborted) return false;
      let onAbort: (() => void) | undefined;
      // Stopping does not wait out the poll: the emulator's own waiter ends with the emulator.
      const aborted = new Promise<void>((resolve) => {
        onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      await Promise.race([queue.waitForMessages(seconds), aborted]);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return false;
      queue.processTimers();
      return available(queue);
    },
    onEvent: (listener) => listeners.push(listener),
    async stop() {
      sqsStore.shutdown();
      await app.close();
    },
  };
}
