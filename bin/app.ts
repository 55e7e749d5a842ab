#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { addKit } from '../lib/app.ts';
import { KitConfigError, loadKitConfig } from '../lib/presets/index.ts';

/**
 * The CDK app: the only place that reads context or the environment.
 *   -c preset=NAME     one of the presets (default: all)
 *   -c config=PATH     JSON overriding the preset, validated like a preset
 */
const app = new App();
const preset = app.node.tryGetContext('preset') as string | undefined;
const configPath = app.node.tryGetContext('config') as string | undefined;

try {
  let override: unknown;
  if (configPath) {
    try {
      override = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (error) {
      throw new KitConfigError(`Cannot read config file ${configPath}: ${(error as Error).message}`);
    }
  }
  addKit(app, loadKitConfig({ preset, override, overrideSource: configPath }));
  app.synth();
} catch (error) {
  if (error instanceof KitConfigError) {
    console.error(`media-kit: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
