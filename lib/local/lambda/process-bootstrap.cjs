// @ts-check
'use strict';
/**
 * The bootstrap of one local Lambda execution environment: a Node.js process of its own (like
 * Lambda's runtime interface client), started by process-environment.ts with the function's
 * environment, its own TMPDIR and a V8 heap limit. Plain CommonJS on purpose: it runs with no
 * TypeScript loader and loads the function's bundle exactly as Lambda does (`require`).
 *
 * Protocol (IPC channel): ← {type:'invoke', id, event, context}; → {type:'ready', initMs} |
 * {type:'init-error', error} | {type:'log', stream, text, invocation} | {type:'result', id, ok,
 * value|error} | {type:'crash', error}. Console output travels on the channel too, so every line is
 * attributed to the right invocation and arrives before its result; what child processes write
 * goes to the real stdout/stderr pipes, which the parent reads.
 */
const dns = require('node:dns');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

/** @type {{ codeDirectory: string, handlerModule: string, handlerExport: string }} */
const config = JSON.parse(process.argv[2] || '{}');
const send = /** @type {(message: unknown, callback?: () => void) => void} */ (/** @type {any} */ (process).send?.bind(process));
if (!send) throw new Error('process-bootstrap.cjs must be started with an IPC channel');

/** @type {string | undefined} the invocation whose output is being produced */
let currentInvocation;

// The runtime that started this environment is gone: so is the environment, its /tmp, and all it started.
process.on('disconnect', () => {
  const tmp = process.env.TMPDIR;
  if (tmp && path.basename(tmp).startsWith('media-kit-env-')) fs.rmSync(tmp, { recursive: true, force: true });
  killGroupAndExit(0);
});

captureStream('stdout');
captureStream('stderr');
resolveLocalhostNames();
treatAssetAsPackageRoot();

/** @param {number} code */
function killGroupAndExit(code) {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // Not a group leader (started without detached): exit alone.
  }
  process.exit(code);
}

/**
 * Queue URLs of the emulator are http://sqs.<region>.localhost:PORT/… and Debian does not resolve
 * *.localhost; the SDK sends to the QueueUrl's host. Only this process's dns module is patched.
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
      send({ type: 'log', stream: name, text: pending.slice(0, newline), invocation: currentInvocation });
      pending = pending.slice(newline + 1);
    }
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  };
  stream.write = write;
}

/** @param {unknown} error */
function serializeError(error) {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, stack: String(error.stack || '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error) };
}

// Lambda's Node.js runtime fails the invocation with an error the handler did not catch and
// ends the environment; the parent reports it once this process has exited.
/** @param {unknown} error */
function crash(error) {
  send({ type: 'crash', error: serializeError(error) }, () => killGroupAndExit(1));
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', (reason) => {
  const error = serializeError(reason);
  crash(Object.assign(new Error(error.errorMessage), { name: 'Runtime.UnhandledPromiseRejection', stack: (error.stack || []).join('\n') }));
});

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
  send({ type: 'ready', initMs: performance.now() - initStarted });
} catch (error) {
  send({ type: 'init-error', error: serializeError(error) });
}

process.on('message', (/** @type {any} */ message) => {
  if (message.type !== 'invoke' || !handler) return;
  void invoke(message);
});

/** @param {{ id: string, event: unknown, context: any }} message */
async function invoke(message) {
  currentInvocation = message.id;
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
    // Lambda hands the caller the JSON of what the handler returned, nothing richer.
    const json = value === undefined ? null : JSON.parse(JSON.stringify(value));
    send({ type: 'result', id: message.id, ok: true, value: json });
  } catch (error) {
    send({ type: 'result', id: message.id, ok: false, error: serializeError(error) });
  } finally {
    currentInvocation = undefined;
  }
}
