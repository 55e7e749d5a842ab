import type { IncomingMessage } from 'node:http';

/** Host names a loopback server answers to; anything else is a rebinding attempt (a foreign name resolving to 127.0.0.1). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `127.0.0.1:8080` → `127.0.0.1`; `[::1]:80` → `[::1]`. */
function hostName(hostHeader: string): string {
  const trimmed = hostHeader.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  const colon = trimmed.lastIndexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

export function isLoopbackHost(hostHeader: string | undefined): boolean {
  return hostHeader !== undefined && LOOPBACK_HOSTS.has(hostName(hostHeader));
}

/** An Origin (sent by browsers on cross-origin and state-changing requests) must be a loopback http origin too. */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname === '::1' ? '[::1]' : url.hostname);
}

/** Why a request may not be served, or undefined when it may (DNS rebinding and cross-site requests refused). */
export function refusal(request: IncomingMessage): string | undefined {
  if (!isLoopbackHost(request.headers.host)) return `Host '${request.headers.host ?? ''}' is not loopback`;
  const origin = request.headers.origin;
  if (!isLoopbackOrigin(origin)) return `Origin '${origin}' is not loopback`;
  // A loopback origin on another port is another site (some other local server's page).
  if (origin !== undefined && new URL(origin).host !== request.headers.host?.toLowerCase()) return `Origin '${origin}' is not this console`;
  return undefined;
}
