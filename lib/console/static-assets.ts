import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const ASSET_DIR = join(import.meta.dirname, 'assets');

/**
 * The page's files, by URL path. A fixed list, not a directory: no request path ever reaches the
 * filesystem, so nothing but these files can be read through the console.
 */
const ASSETS: Readonly<Record<string, { file: string; contentType: string }>> = {
  '/console': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/console/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', contentType: 'text/javascript; charset=utf-8' },
  '/console/view.js': { file: 'view.js', contentType: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', contentType: 'text/css; charset=utf-8' },
};

export async function staticAsset(path: string): Promise<{ body: Buffer; contentType: string } | undefined> {
  const asset = ASSETS[path];
  if (!asset) return undefined;
  return { body: await readFile(join(ASSET_DIR, asset.file)), contentType: asset.contentType };
}
