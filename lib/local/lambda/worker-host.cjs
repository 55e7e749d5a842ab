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
const path = require('node:path');

if (!parentPort) throw new Error('worker-host.cjs must run in a worker thread');
const port = parentPort;

/** @type {{ codeDirectory: string, handlerModule: string, handlerExport: string, enableSourceMaps: boolean }} */
const config = workerData;

captureStream('stdout');
captureStream('stderr');
resolveLocalhostNames();
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

function memoryNow() {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
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
  }, 10);
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
