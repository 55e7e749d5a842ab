import { startFauxqs, type FauxqsServer, type SpyMessage } from 'fauxqs';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { LOOPBACK, withLoopbackListen } from './loopback.ts';

export type EmulatorEventListener = (event: SpyMessage) => void;

export interface S3SqsEmulator {
  readonly port: number;
  readonly endpoint: string;
  readonly server: FauxqsServer;
  /** Every S3 object event and SQS message event, synchronously as the emulator records it. */
  onEvent(listener: EmulatorEventListener): void;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs 1.9.2 in-process on loopback. Its message spy is the only place S3 writes and DLQ
 * moves become visible (it has no bucket notifications), so the spy's recorder is tapped: each
 * event reaches our listeners synchronously, in order, and none can be evicted before we see it.
 */
export async function startS3SqsEmulator(options: { port?: number; region: string }): Promise<S3SqsEmulator> {
  let server: FauxqsServer;
  try {
    server = await withLoopbackListen(() =>
      startFauxqs({ port: options.port ?? 0, host: 'localhost', logger: false, defaultRegion: options.region, messageSpies: { bufferSize: 16 } }),
    );
  } catch (error) {
    throw new LocalRuntimeError(
      LocalErrorCode.EMULATOR_FAILED,
      `The S3/SQS emulator did not start on ${LOOPBACK}:${options.port ?? 0}: ${(error as Error).message}`,
      { port: options.port },
      { cause: error },
    );
  }
  const listeners: EmulatorEventListener[] = [];
  const spy = server.spy as unknown as { addMessage?: (message: SpyMessage) => void };
  const record = spy.addMessage;
  if (typeof record !== 'function') {
    await server.stop();
    throw new LocalRuntimeError(LocalErrorCode.EMULATOR_FAILED, 'fauxqs has no MessageSpy.addMessage: the runtime needs fauxqs 1.9.2 exactly');
  }
  spy.addMessage = (message: SpyMessage) => {
    record.call(spy, message);
    for (const listener of listeners) listener(message);
  };
  const port = server.port;
  return {
    port,
    endpoint: `http://${LOOPBACK}:${port}`,
    server,
    onEvent: (listener) => listeners.push(listener),
    stop: () => server.stop(),
  };
}
