import { z } from 'zod';
import { DEFAULT_PRESET, PRESETS } from './presets.ts';
import { kitConfigSchema, type KitConfig } from './schema.ts';

/** A configuration problem, reported as one message naming each bad field and what is allowed. */
export class KitConfigError extends Error {
  override readonly name = 'KitConfigError';
}

export interface LoadConfigOptions {
  /** @default 'all' */
  readonly preset?: string;
  /** Parsed JSON overriding the preset: objects merge, arrays and values replace, null removes. */
  readonly override?: unknown;
  /** Where the override came from, for messages. */
  readonly overrideSource?: string;
}

export function presetNames(): string[] {
  return PRESETS.map((p) => p.name);
}

/** Resolves a preset, applies an override and validates the result. */
export function loadKitConfig(options: LoadConfigOptions = {}): KitConfig {
  const name = options.preset ?? DEFAULT_PRESET;
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset) {
    throw new KitConfigError(`Unknown preset '${name}' (choose one of: ${presetNames().join(', ')})`);
  }
  if (options.override !== undefined && !isPlainObject(options.override)) {
    throw new KitConfigError(`${options.overrideSource ?? 'The config override'} must be a JSON object`);
  }
  const merged = deepMerge({ ...preset.config }, (options.override as Record<string, unknown> | undefined) ?? {});
  const result = kitConfigSchema.safeParse({ ...merged, preset: name });
  if (!result.success) {
    const where = options.overrideSource ? ` (preset '${name}' with ${options.overrideSource})` : ` (preset '${name}')`;
    throw new KitConfigError(`Invalid kit configuration${where}:\n${formatIssues(result.error)}`);
  }
  return result.data;
}

/** One line per problem: `pipelines.image.renditons: unknown field (allowed: …)`. */
function formatIssues(error: z.ZodError): string {
  return error.issues
    .flatMap((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        const allowed = allowedKeysAt(kitConfigSchema, issue.path);
        return issue.keys.map(
          (key) => `  - ${path ? `${path}.` : ''}${key}: unknown field${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`,
        );
      }
      return [`  - ${path || '(root)'}: ${issue.message}`];
    })
    .join('\n');
}

function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current instanceof z.ZodObject) current = unwrap(current.shape[String(segment)] as z.ZodType | undefined);
    else if (current instanceof z.ZodArray) current = unwrap(current.element as z.ZodType);
    else return undefined;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : undefined;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return current;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) {
      delete out[key];
      continue;
    }
    const existing = out[key];
    out[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return out;
}
