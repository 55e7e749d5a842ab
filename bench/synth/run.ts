/**
 * What the enterprise switches cost at synth (not a test): each preset synthesized without bundling
 * as shipped and with hardened.json (KMS, a created VPC, alerts, the dashboard), in one run; the
 * resources each adds, the synth time, and the time each cdk-nag pack takes to judge the stack.
 *
 *   npx tsx bench/synth/run.ts [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { addKit, nagPacks } from '../../lib/app.ts';
import { loadKitConfig, presetNames } from '../../lib/presets/index.ts';
import { PROJECT_ROOT } from '../../lib/pipelines/paths.ts';
import { median, printTable, writeResults } from '../lib/report.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const ROUNDS = Number(values.rounds);
const HARDENED = JSON.parse(readFileSync(join(PROJECT_ROOT, 'hardened.json'), 'utf8')) as unknown;

interface Synth {
  readonly resources: number;
  readonly synthMs: number;
  readonly nagMs: Record<string, number>;
}

function synthOnce(preset: string, override: unknown): Synth {
  const started = performance.now();
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = addKit(app, loadKitConfig({ preset, override }), { nag: false });
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, unknown> };
  const synthMs = performance.now() - started;
  const nagMs: Record<string, number> = {};
  for (const pack of nagPacks(app, 'nist').concat(nagPacks(app, 'hipaa').slice(-1))) {
    const at = performance.now();
    const findings = pack.validateScope(stack).violations.length;
    nagMs[pack.constructor.name] = performance.now() - at;
    if (override && findings > 0) throw new Error(`${preset} hardened: ${pack.constructor.name} found ${findings} rules`);
  }
  return { resources: Object.keys(template.Resources).length, synthMs, nagMs };
}

function measure(preset: string, override: unknown): Synth {
  const runs = Array.from({ length: ROUNDS }, () => synthOnce(preset, override));
  const packs = Object.keys(runs[0]!.nagMs);
  return {
    resources: runs[0]!.resources,
    synthMs: median(runs.map((r) => r.synthMs)),
    nagMs: Object.fromEntries(packs.map((p) => [p, median(runs.map((r) => r.nagMs[p]!))])),
  };
}

// Warm up: the first synth of a process pays for loading aws-cdk-lib and cdk-nag's rules.
synthOnce('all', undefined);
synthOnce('all', HARDENED);

const rows: (string | number)[][] = [];
const results: Record<string, { shipped: Synth; hardened: Synth }> = {};
for (const preset of presetNames()) {
  process.stderr.write(`bench ${preset}\n`);
  const shipped = measure(preset, undefined);
  const hardened = measure(preset, HARDENED);
  results[preset] = { shipped, hardened };
  const nag = (s: Synth) => Object.values(s.nagMs).reduce((a, b) => a + b, 0);
  rows.push([
    preset,
    shipped.resources,
    hardened.resources,
    `+${hardened.resources - shipped.resources}`,
    shipped.synthMs.toFixed(0),
    hardened.synthMs.toFixed(0),
    `${(hardened.synthMs / shipped.synthMs).toFixed(2)}x`,
    nag(shipped).toFixed(0),
    nag(hardened).toFixed(0),
    `${(nag(hardened) / nag(shipped)).toFixed(2)}x`,
  ]);
}
printTable(['preset', 'resources shipped', 'hardened', 'added', 'synth ms shipped', 'hardened', 'ratio', '4 nag packs ms shipped', 'hardened', 'ratio'], rows);
console.log(`\nmedian of ${ROUNDS} synths without bundling; the hardened stacks are clean under all four packs (checked each round)`);
console.log(`results: ${writeResults('synth', results)}`);
