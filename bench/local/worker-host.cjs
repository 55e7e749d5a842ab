// @ts-check
'use strict';
/**
 * The bootstrap of one local Lambda execution environment (one worker thread). Plain CommonJS on
 * purpose: it runs in a bare worker with no TypeScript loader, like Lambda's own runtime
 * interface client, and loads the function's bundle exactly as Lambda does (`require`).
 *
 * Protocol (parentPort): ← {type:'invoke', id, event, context}; → {type:'ready', initMs} |
 * {type:'init-error', error} | {type:'log', stream, text} | {type:'result', id, ok, value|error, peakMemoryBytes}.
 * Logs travel on the same port as results so every line is attributed to the right invocation.
 */
const { parentPort, workerData } = require('node:worker_threads');
const dns = require('node:dns');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const v8 = require('node:v8');

if (!parentPort) throw new Error('worker-host.cjs must run in a worker thread');
const port = parentPort;

/** @type {{ codeDirectory: string, handlerModule: string, handlerExport: string, enableSourceMaps: boolean }} */
const config = workerData;

captureStream('stdout');
captureStream('stderr');
resolveLocalhostNames();
treatAssetAsPackageRoot();
if (config.enableSourceMaps) process.setSourceMapsEnabled(true);

/** @type {string | undefined} the invocation whose output is being produced */
let currentInvocation;

/**
 * Queue URLs of the emulator are http://sqs.<region>.localhost:PORT/… and Debian does not resolve
 * *.localhost; the SDK sends to the QueueUrl's host. Only this worker's dns module is patched.
 */
function resolveLocalhostNames() {
  const original = dns.lookup;
  /** @type {any} */
  const patched = function (/** @type {string} */ hostname, /** @type {any} */ options, /** @type {any} */ callback) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
      if (options && options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
      return;
    }
    return original(hostname, options, callback);
  };
  dns.lookup = patched;
}

/**
 * On Lambda the asset folder is the root of the file system that matters: a bundle without its
 * own package.json is CommonJS. Locally the asset sits inside a project whose package.json may
 * say "type": "module", which would make Node load the bundle as ESM. Files of the asset (outside
 * its node_modules) are therefore compiled as CommonJS unless the asset itself declares ESM.
 */
function treatAssetAsPackageRoot() {
  const ownPackage = path.join(config.codeDirectory, 'package.json');
  if (fs.existsSync(ownPackage) && JSON.parse(fs.readFileSync(ownPackage, 'utf8')).type === 'module') return;
  /** @type {any} */
  const extensions = /** @type {any} */ (Module)._extensions;
  const original = extensions['.js'];
  const root = config.codeDirectory + path.sep;
  const modules = path.join(config.codeDirectory, 'node_modules') + path.sep;
  extensions['.js'] = function (/** @type {any} */ module, /** @type {string} */ filename) {
    if (filename.startsWith(root) && !filename.startsWith(modules)) {
      module._compile(fs.readFileSync(filename, 'utf8'), filename);
      return;
    }
    original(module, filename);
  };
}

/** @param {'stdout' | 'stderr'} name */
function captureStream(name) {
  const stream = process[name];
  let pending = '';
  /** @type {any} */
  const write = function (/** @type {any} */ chunk, /** @type {any} */ encoding, /** @type {any} */ callback) {
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      port.postMessage({ type: 'log', stream: name, text: pending.slice(0, newline), invocation: currentInvocation });
      pending = pending.slice(newline + 1);
    }
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  };
  stream.write = write;
}

/**
 * This environment's memory: its V8 heap plus the off-heap buffers it holds (image bytes live
 * there). v8 heap statistics are per isolate and cheap; process.memoryUsage() would read the
 * whole process's RSS from /proc on every sample.
 */
function memoryNow() {
  const heap = v8.getHeapStatistics();
  return heap.used_heap_size + heap.external_memory;
}

/** @param {unknown} error */
function serializeError(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, stack: String(error.stack || '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error) };
}

/** @type {Function | undefined} */
let handler;
const initStarted = performance.now();
try {
  const modulePath = path.join(config.codeDirectory, config.handlerModule);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(modulePath);
  handler = loaded[config.handlerExport];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${config.handlerModule}.${config.handlerExport} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  port.postMessage({ type: 'ready', initMs: performance.now() - initStarted });
} catch (error) {
  port.postMessage({ type: 'init-error', error: serializeError(error) });
}

port.on('message', (/** @type {any} */ message) => {
  if (message.type !== 'invoke' || !handler) return;
  void invoke(message);
});

/** @param {{ id: string, event: unknown, context: any }} message */
async function invoke(message) {
  currentInvocation = message.id;
  let peak = memoryNow();
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryNow());
  }, 25);
  const info = message.context;
  const context = {
    ...info,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, info.deadlineMs - Date.now()),
  };
  delete context.deadlineMs;
  try {
    const fn = /** @type {Function} */ (handler);
    const value = await new Promise((resolve, reject) => {
      const callback = (/** @type {unknown} */ error, /** @type {unknown} */ result) => (error ? reject(error) : resolve(result));
      const returned = fn(message.event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (fn.length < 3) resolve(returned);
    });
    clearInterval(sampler);
    peak = Math.max(peak, memoryNow());
    // Lambda hands the caller the JSON of what the handler returned, nothing richer.
    const json = value === undefined ? null : JSON.parse(JSON.stringify(value));
    port.postMessage({ type: 'result', id: message.id, ok: true, value: json, peakMemoryBytes: peak });
  } catch (error) {
    clearInterval(sampler);
    port.postMessage({ type: 'result', id: message.id, ok: false, error: serializeError(error), peakMemoryBytes: Math.max(peak, memoryNow()) });
  } finally {
    currentInvocation = undefined;
  }
}
