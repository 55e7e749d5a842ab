import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kitConfigSchema } from '../../lib/presets/index.ts';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
const reference = README.slice(README.indexOf('## Configuration reference'), README.indexOf('## Local runtime'));

/** The object schema inside defaults, optionals and refinements. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let inner: z.ZodType = schema;
  for (;;) {
    if (inner instanceof z.ZodObject) return inner.shape as Record<string, z.ZodType>;
    const def = (inner as { def?: { innerType?: z.ZodType; in?: z.ZodType } }).def;
    const next = def?.innerType ?? def?.in;
    if (!next) return undefined;
    inner = next;
  }
}

/** Every stack-level field, two levels deep (`encryption.kms`, `network.create`…); pipelines have their own rows. */
function stackFields(): string[] {
  const fields: string[] = [];
  for (const [name, schema] of Object.entries(objectShape(kitConfigSchema)!)) {
    if (name === 'preset' || name === 'pipelines') continue;
    const shape = objectShape(schema);
    if (!shape) fields.push(name);
    else for (const inner of Object.keys(shape)) fields.push(`${name}.${inner}`);
  }
  return fields;
}

describe('README configuration reference', () => {
  it.each(stackFields())('has a row for %s', (field) => {
    expect(reference).toContain(`| \`${field}\``);
  });

  it('lists a pipeline row for every pipeline', () => {
    for (const id of Object.keys(objectShape(objectShape(kitConfigSchema)!.pipelines!)!)) expect(reference).toContain(`| \`pipelines.${id}\``);
  });
});
