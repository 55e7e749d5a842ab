import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { DynaliteEngine } from './dynamodb-engine.ts';
import { createDynamoDbFront } from './dynamodb-front.ts';
import { DynamoDbService } from './dynamodb-service.ts';
import { LOOPBACK } from './loopback.ts';

export interface DynamoDbEmulatorOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** How often items past their TTL are deleted. @default 1000 */
  readonly ttlSweepIntervalMs?: number;
  /** Faults of the emulator (an internal error answering a request, a failed TTL sweep). @default process.emitWarning */
  readonly onError?: (error: Error) => void;
}

export interface DynamoDbEmulator {
  readonly port: number;
  /** The endpoint functions and clients use: the front, never dynalite directly. */
  readonly endpoint: string;
  /** Deletes every item past its TTL now, instead of at the next sweep; resolves to how many. */
  sweepExpiredItems(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * DynamoDB on loopback: dynalite 4.0.0 in memory (tables ACTIVE at once) behind the runtime's
 * front, which adds TransactWriteItems, TransactGetItems, UpdateTimeToLive and the TTL sweeper.
 * Isolation of what it serves: see DynamoDbService.
 */
export async function startDynamoDbEmulator(options: DynamoDbEmulatorOptions = {}): Promise<DynamoDbEmulator> {
  const onError = options.onError ?? ((error: Error) => process.emitWarning(error));
  const engine = new DynaliteEngine();
  const service = new DynamoDbService(engine, { sweepIntervalMs: options.ttlSweepIntervalMs, onError });
  const server = createDynamoDbFront(service, onError);
  try {
    await listen(server, options.port ?? 0);
  } catch (error) {
    await engine.close();
    throw new LocalRuntimeError(LocalErrorCode.EMULATOR_FAILED, `The DynamoDB emulator did not start: ${(error as Error).message}`, {}, { cause: error });
  }
  service.timeToLive.start();
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    endpoint: `http://${LOOPBACK}:${port}`,
    sweepExpiredItems: () => service.timeToLive.sweep(),
    async stop() {
      await service.timeToLive.stop();
      await new Promise<void>((resolve, reject) => {
        // Requests in flight get a moment to finish; kept-alive client connections do not hold stop up.
        const grace = setTimeout(() => server.closeAllConnections(), 250);
        server.close((error) => {
          clearTimeout(grace);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      await engine.close();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
