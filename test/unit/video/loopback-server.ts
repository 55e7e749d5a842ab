import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  readonly path: string;
  readonly range: string | undefined;
  readonly status: number;
  readonly userAgent: string | undefined;
}

/**
 * A tiny HTTP file server on 127.0.0.1 with byte-range support (what a presigned S3 GET URL
 * offers): files by path, 206 for satisfiable ranges, 416 past the end. `stall` paths accept the
 * request and never answer.
 */
export async function startRangeServer(files: Record<string, string>, stall: readonly string[] = []) {
  const requests: ServedRequest[] = [];
  const stalled: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const record = (status: number) => requests.push({ path, range: req.headers.range, status, userAgent: req.headers['user-agent'] });
    if (stall.includes(path)) {
      stalled.push(req);
      record(0);
      return;
    }
    const file = files[path];
    if (!file) {
      record(404);
      res.writeHead(404).end('not found');
      return;
    }
    const body = readFileSync(file);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!range) {
      record(200);
      res.writeHead(200, { 'Content-Length': body.length, 'Accept-Ranges': 'bytes' }).end(body);
      return;
    }
    const start = Number(range[1]);
    const end = Math.min(range[2] ? Number(range[2]) : body.length - 1, body.length - 1);
    if (start >= body.length) {
      record(416);
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return;
    }
    record(206);
    res
      .writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' })
      .end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}?X-Amz-Signature=secret`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const req of stalled) req.socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
