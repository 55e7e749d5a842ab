import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { LocalErrorCode, LocalRuntimeError } from '../errors.ts';
import { LOOPBACK } from './loopback.ts';

const require = createRequire(import.meta.url);

export interface DynamoDbEmulator {
  readonly port: number;
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** dynalite 4.0.0 in memory on loopback: tables are created ACTIVE, with no CREATING delay. */
export async function startDynamoDbEmulator(options: { port?: number } = {}): Promise<DynamoDbEmulator> {
  const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, LOOPBACK, () => resolve());
    });
  } catch (error) {
    throw new LocalRuntimeError(LocalErrorCode.EMULATOR_FAILED, `The DynamoDB emulator did not start: ${(error as Error).message}`, {}, { cause: error });
  }
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    endpoint: `http://${LOOPBACK}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
