import net from 'node:net';

export const LOOPBACK = '127.0.0.1';

let depth = 0;
const originalListen = net.Server.prototype.listen;

/**
 * Runs `start` with every `net.Server#listen` in this process forced onto 127.0.0.1. fauxqs binds
 * 0.0.0.0 whatever host it is given; this is the one place that overrides it. Nested and
 * concurrent starts share one patch, restored when the last start settles.
 */
export async function withLoopbackListen<T>(start: () => Promise<T>): Promise<T> {
  if (depth++ === 0) net.Server.prototype.listen = loopbackListen as typeof net.Server.prototype.listen;
  try {
    return await start();
  } finally {
    if (--depth === 0) net.Server.prototype.listen = originalListen;
  }
}

function loopbackListen(this: net.Server, ...args: unknown[]): net.Server {
  const [first, second] = args;
  if (first !== null && typeof first === 'object' && !('fd' in first) && !('path' in (first as object) && (first as { path?: unknown }).path)) {
    args[0] = { ...(first as net.ListenOptions), host: LOOPBACK };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof second === 'string') args[1] = LOOPBACK;
    else args.splice(1, 0, LOOPBACK);
  }
  return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
}

/**
 * Credentials for clients of the local emulators: they accept any, the SDK insists on some. A fresh
 * object per client, because the SDK annotates the credentials object it is given.
 */
export function localCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: 'local', secretAccessKey: 'local' };
}
