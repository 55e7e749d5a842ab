import { PRESETS } from '../../presets/index.ts';
import { DEFAULT_PRESET } from '../../presets/index.ts';
import { bold, dim } from './format.ts';

/** `media-kit presets`: every preset and the pipelines it enables. */
export function presetsCommand(options: { json: boolean }): number {
  const rows = PRESETS.map((preset) => ({
    name: preset.name,
    default: preset.name === DEFAULT_PRESET,
    pipelines: Object.keys((preset.config as { pipelines?: Record<string, unknown> }).pipelines ?? {}),
    description: preset.description,
  }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const row of rows) {
    const pipelines = row.pipelines.length > 0 ? row.pipelines.join(', ') : 'storage only';
    console.log(`${bold(row.name.padEnd(width))}  ${pipelines.padEnd(14)}  ${dim(row.description)}${row.default ? dim(' (default)') : ''}`);
  }
  return 0;
}
