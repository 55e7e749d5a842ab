import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ModelFiles } from './artifacts.ts';
import type { BackendName, ImageModel } from './image-model.ts';
import { createTfjsImageModel } from './tfjs-model.ts';

/**
 * The default model: the nsfwjs classifier that ships inside the nsfwjs package, read from the
 * package's own files on disk — no network, no model hub. The package stores each model as
 * CommonJS modules (model.min.js exporting model.json's object, one module per weight shard
 * exporting it as base64); they are turned back into plain model.json + weight bytes here so the
 * default model is hashed and loaded exactly like a bring-your-own one.
 */

/** nsfwjs's class order (its nsfw_classes.js). */
export const NSFWJS_LABELS = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;

export type NsfwjsVariant = 'mobilenet_v2' | 'mobilenet_v2_mid';

const VARIANT_NAMES: Record<NsfwjsVariant, string> = { mobilenet_v2: 'nsfwjs-mobilenet-v2', mobilenet_v2_mid: 'nsfwjs-mobilenet-v2-mid' };

const require = createRequire(import.meta.url);

/** The installed nsfwjs package's root (its exports map hides package.json, so walk up from main). */
export function nsfwjsPackageDir(): string {
  return join(dirname(require.resolve('nsfwjs')), '..', '..');
}

export function nsfwjsVersion(packageDir = nsfwjsPackageDir()): string {
  return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * model.json + weights of a packaged nsfwjs model. `modelDir` overrides where the variant's
 * .min.js files are (a bundled function copies dist/models/<variant> beside its code).
 */
export function readNsfwjsModelFiles(variant: NsfwjsVariant = 'mobilenet_v2', modelDir = join(nsfwjsPackageDir(), 'dist', 'models', variant)): ModelFiles {
  const json = loadModule(join(modelDir, 'model.min.js')) as { modelTopology?: unknown; weightsManifest?: Array<{ paths: string[] }> };
  if (typeof json !== 'object' || json === null || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${join(modelDir, 'model.min.js')} does not export a tfjs model.json object`);
  }
  const weights = new Map<string, Uint8Array>();
  for (const path of json.weightsManifest.flatMap((group) => group.paths)) {
    const base64 = loadModule(join(modelDir, `${path}.min.js`));
    if (typeof base64 !== 'string' || base64.length === 0) throw new Error(`${join(modelDir, `${path}.min.js`)} does not export base64 weights`);
    weights.set(path, new Uint8Array(Buffer.from(base64, 'base64')));
  }
  // The packaged graph variant says so in its options (nsfwjs passes type: 'graph'), not in the JSON.
  const format = variant === 'mobilenet_v2_mid' ? 'graph-model' : 'layers-model';
  const modelJson = new TextEncoder().encode(JSON.stringify({ format, generatedBy: `nsfwjs ${nsfwjsVersion()}`, ...json }));
  return { modelJson, weights };
}

export interface NsfwjsModelOptions {
  readonly variant?: NsfwjsVariant;
  readonly backend?: BackendName;
  readonly modelDir?: string;
  readonly wasmDir?: string;
  readonly maxInputPixels?: number;
  readonly maxBatch?: number;
}

export function loadNsfwjsModel(options: NsfwjsModelOptions = {}): Promise<ImageModel> {
  const variant = options.variant ?? 'mobilenet_v2';
  return createTfjsImageModel(readNsfwjsModelFiles(variant, options.modelDir), {
    name: VARIANT_NAMES[variant],
    version: nsfwjsVersion(),
    labels: NSFWJS_LABELS,
    inputSize: 224,
    normalization: 'unit',
    ...(options.backend && { backend: options.backend }),
    ...(options.wasmDir && { wasmDir: options.wasmDir }),
    ...(options.maxInputPixels && { maxInputPixels: options.maxInputPixels }),
    ...(options.maxBatch && { maxBatch: options.maxBatch }),
  });
}

/** Requires a packaged CommonJS module and drops it from the require cache: the bytes live on in our copy only. */
function loadModule(path: string): unknown {
  try {
    return require(path);
  } finally {
    delete require.cache[path];
  }
}
