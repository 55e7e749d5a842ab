import { createHash } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs';
import { ModelErrorCode, modelError } from './errors.ts';

/**
 * A tfjs model as bytes: model.json plus its weight files, keyed by the paths its weightsManifest
 * names. This is what a handler fetches from a models prefix and what the nsfwjs package holds;
 * the core never touches storage.
 */
export interface ModelFiles {
  readonly modelJson: Uint8Array;
  readonly weights: ReadonlyMap<string, Uint8Array>;
}

export type ModelKind = 'graph' | 'layers';

const SAFE_FILE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

interface WeightGroup {
  readonly paths: readonly string[];
  readonly weights: readonly tf.io.WeightsManifestEntry[];
}

export interface ParsedModelJson {
  readonly kind: ModelKind;
  readonly modelTopology: unknown;
  readonly weightsManifest: readonly WeightGroup[];
  readonly raw: Record<string, unknown>;
}

export function parseModelJson(bytes: Uint8Array): ParsedModelJson {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw modelError(ModelErrorCode.INFERENCE_MODEL_INVALID, `model.json is not JSON: ${(error as Error).message}`, {}, error);
  }
  if (typeof raw !== 'object' || raw === null) throw invalid('model.json is not an object');
  const json = raw as Record<string, unknown>;
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (typeof topology !== 'object' || topology === null) throw invalid('model.json has no modelTopology');
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length === 0) throw invalid('model.json has no weightsManifest');
  for (const [i, group] of manifest.entries()) {
    if (!Array.isArray(group?.paths) || !group.paths.every((p: unknown) => typeof p === 'string' && p.length > 0) || !Array.isArray(group?.weights)) {
      throw invalid(`model.json weightsManifest[${i}] needs string paths and a weights list`);
    }
    // Weight files sit beside model.json; a path that climbs out could name any object the reader may see.
    const outside = group.paths.find((p: string) => !SAFE_FILE_NAME.test(p) || p === '.' || p === '..');
    if (outside !== undefined) throw invalid(`weight path '${outside}' in weightsManifest[${i}] is not a plain file name`, { path: outside });
  }
  return { kind: kindOf(json, topology), modelTopology: topology, weightsManifest: manifest as WeightGroup[], raw: json };
}

/** The weight files model.json names, in the order their bytes concatenate (and hash). */
export function weightPaths(modelJson: Uint8Array | ParsedModelJson): string[] {
  const parsed = modelJson instanceof Uint8Array ? parseModelJson(modelJson) : modelJson;
  return parsed.weightsManifest.flatMap((group) => group.paths);
}

/** Hex sha256 over model.json's bytes, then each weight file's bytes in manifest order. */
export function modelSha256(files: ModelFiles, parsed: ParsedModelJson = parseModelJson(files.modelJson)): string {
  const hash = createHash('sha256').update(files.modelJson);
  for (const bytes of orderedWeights(files, parsed)) hash.update(bytes);
  return hash.digest('hex');
}

/** Hashes the files and refuses them unless they are the ones configured: checked before any use. */
export function verifyModelSha256(files: ModelFiles, expected: string, modelName: string): string {
  const actual = modelSha256(files);
  if (actual !== expected.toLowerCase()) {
    throw modelError(
      ModelErrorCode.INFERENCE_MODEL_HASH_MISMATCH,
      `Model '${modelName}' has sha256 ${actual}, but ${expected} is configured: refusing to load it`,
      { model: modelName, expectedSha256: expected, actualSha256: actual },
    );
  }
  return actual;
}

/** The in-memory artifacts tf.io.fromMemory takes, with the weights' total size checked. */
export function toTfArtifacts(files: ModelFiles, parsed: ParsedModelJson): tf.io.ModelArtifacts {
  const parts = orderedWeights(files, parsed);
  const weightSpecs = parsed.weightsManifest.flatMap((group) => group.weights);
  const expected = weightSpecs.reduce((sum, spec) => sum + byteLength(spec), 0);
  const weightData = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  if (weightData.length !== expected) {
    throw invalid(`weights hold ${weightData.length} bytes where model.json's specs need ${expected}`, { bytes: weightData.length, expectedBytes: expected });
  }
  let offset = 0;
  for (const part of parts) {
    weightData.set(part, offset);
    offset += part.length;
  }
  return {
    modelTopology: parsed.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData: weightData.buffer,
    format: typeof parsed.raw.format === 'string' ? parsed.raw.format : undefined,
    userDefinedMetadata: parsed.raw.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
  };
}

function orderedWeights(files: ModelFiles, parsed: ParsedModelJson): Uint8Array[] {
  return weightPaths(parsed).map((path) => {
    const bytes = files.weights.get(path);
    if (!bytes) throw invalid(`weight file '${path}' named by model.json is missing`, { path, present: [...files.weights.keys()] });
    return bytes;
  });
}

function kindOf(json: Record<string, unknown>, topology: Record<string, unknown>): ModelKind {
  if (json.format === 'graph-model' || Array.isArray(topology.node)) return 'graph';
  if (json.format === 'layers-model' || 'model_config' in topology || 'class_name' in topology) return 'layers';
  throw invalid(`model.json's modelTopology is neither a graph model (node list) nor a layers model (model_config)`);
}

const ELEMENT_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8, string: 0 };

function byteLength(spec: tf.io.WeightsManifestEntry): number {
  const elements = spec.shape.reduce((product, dim) => product * dim, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = ELEMENT_BYTES[dtype];
  if (size === undefined || size === 0) throw invalid(`weight '${spec.name}' has unsupported dtype '${dtype}'`, { weight: spec.name, dtype });
  return elements * size;
}

function invalid(message: string, details: Record<string, unknown> = {}) {
  return modelError(ModelErrorCode.INFERENCE_MODEL_INVALID, `Invalid tfjs model: ${message}`, details);
}
