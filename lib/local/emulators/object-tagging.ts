import type { IncomingMessage } from 'node:http';

/** The S3 calls fauxqs 1.9.2 lacks that the kit's functions make: object tagging (Put/Get/Delete). */
interface TaggingRoutes {
  addHook(name: 'onRequest', hook: (request: { raw: IncomingMessage; url: string; method: string }, reply: TaggingReply) => Promise<unknown>): unknown;
}
interface TaggingReply {
  code(status: number): TaggingReply;
  header(name: string, value: string): TaggingReply;
  send(body?: string): TaggingReply;
}

const XML = 'application/xml';

function read(stream: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    stream.once('end', () => resolve(body));
    stream.once('error', reject);
  });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>…` → pairs (S3 allows 10 per object). */
export function parseTagging(xml: string): Array<[string, string]> {
  return [...xml.matchAll(/<Tag>\s*<Key>([^<]*)<\/Key>\s*<Value>([^<]*)<\/Value>\s*<\/Tag>/g)].map((m) => [m[1]!, m[2]!]);
}

/**
 * Serves `?tagging` on objects from a map of its own. Without it fauxqs takes a PutObjectTagging
 * for a PutObject and replaces the object with the tag XML (and announces an upload).
 */
export function serveObjectTagging(app: TaggingRoutes): Map<string, Array<[string, string]>> {
  const tags = new Map<string, Array<[string, string]>>();
  app.addHook('onRequest', async (request, reply) => {
    const url = new URL(request.url, 'http://local');
    if (!url.searchParams.has('tagging') || url.pathname.split('/').filter(Boolean).length < 2) return undefined;
    const path = decodeURIComponent(url.pathname);
    if (request.method === 'PUT') {
      const pairs = parseTagging(await read(request.raw));
      if (pairs.length > 10) return reply.code(400).header('content-type', XML).send('<Error><Code>BadRequest</Code><Message>Object tags cannot be greater than 10</Message></Error>');
      tags.set(path, pairs);
      return reply.code(200).send();
    }
    if (request.method === 'GET') {
      const body = (tags.get(path) ?? []).map(([k, v]) => `<Tag><Key>${escapeXml(k)}</Key><Value>${escapeXml(v)}</Value></Tag>`).join('');
      return reply.code(200).header('content-type', XML).send(`<?xml version="1.0" encoding="UTF-8"?><Tagging><TagSet>${body}</TagSet></Tagging>`);
    }
    if (request.method === 'DELETE') {
      tags.delete(path);
      return reply.code(204).send();
    }
    return undefined;
  });
  return tags;
}
