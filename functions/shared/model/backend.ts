import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from './image-model.ts';

/**
 * The tfjs backend, initialised once per process (a warm Lambda environment reuses it).
 * wasm is the default: ~20x the pure-JS cpu backend on Node, with no native install step.
 * cpu stays selectable so benchmarks can show the difference in the same run.
 */

export interface BackendInfo {
  readonly name: BackendName;
  /** The .wasm binary tfjs chose (SIMD when the runtime has it; threads need cross-origin isolation, absent on Node). */
  readonly wasmBinary?: string;
  readonly simd: boolean;
  readonly threads: boolean;
  readonly initMs: number;
}

const ready = new Map<BackendName, Promise<BackendInfo>>();

/** The folder holding the wasm binaries of the installed @tensorflow/tfjs-backend-wasm. */
export function packagedWasmDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

/**
 * Makes `name` the active backend, initialising it on first use. `wasmDir` overrides where the
 * .wasm files are read from (a bundled function ships them beside its code); nothing is fetched.
 */
export function ensureBackend(name: BackendName = 'wasm', options: { wasmDir?: string } = {}): Promise<BackendInfo> {
  let pending = ready.get(name);
  if (!pending) {
    pending = initialise(name, options.wasmDir);
    pending.catch(() => ready.delete(name));
    ready.set(name, pending);
  }
  return pending.then(async (info) => {
    if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' could not be activated`);
    return info;
  });
}

async function initialise(name: BackendName, wasmDir?: string): Promise<BackendInfo> {
  const started = performance.now();
  if (name === 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new Error(`tfjs backend 'cpu' failed to initialise`);
    await tf.ready();
    return { name, simd: false, threads: false, initMs: performance.now() - started };
  }
  const before = listenerSnapshot();
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = wasmDir ?? packagedWasmDir();
  wasm.setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
  const ok = await tf.setBackend('wasm');
  // Emscripten's Node glue installs process handlers that rethrow every uncaught exception and
  // unhandled rejection; in a Lambda or a worker they would turn one stray promise into a crash.
  removeListenersAddedSince(before);
  if (!ok) throw new Error(`tfjs backend 'wasm' failed to initialise from ${dir}`);
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const wasmBinary = `${dir.replace(/\/$/, '')}/tfjs-backend-wasm${threads && simd ? '-threaded-simd' : simd ? '-simd' : ''}.wasm`;
  return { name, wasmBinary, simd, threads, initMs: performance.now() - started };
}

const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type Listener = (...args: unknown[]) => void;
// process.listeners is overloaded per event name; the emitter view lists any event's listeners alike.
const emitter = process as unknown as { listeners(event: string): Listener[]; removeListener(event: string, listener: Listener): void };

function listenerSnapshot(): Map<string, Listener[]> {
  return new Map(EVENTS.map((event) => [event, emitter.listeners(event)]));
}

function removeListenersAddedSince(before: Map<string, Listener[]>): void {
  for (const event of EVENTS) {
    const earlier = new Set(before.get(event));
    for (const listener of emitter.listeners(event)) if (!earlier.has(listener)) emitter.removeListener(event, listener);
  }
}
