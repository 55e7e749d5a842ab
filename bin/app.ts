#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { addKit, COMPLIANCE_PACKS, isCompliancePack } from '../lib/app.ts';
import { KitConfigError, loadKitConfig } from '../lib/presets/index.ts';

/**
 * The CDK app: the only place that reads context or the environment.
 *   -c preset=NAME     one of the presets (default: all)
 *   -c config=PATH     JSON overriding the preset, validated like a preset
 *   -c compliance=PACK nist or hipaa: cdk-nag's NIST 800-53 rev 5 or HIPAA pack beside AwsSolutions and Serverless
 */
const app = new App();
const preset = app.node.tryGetContext('preset') as string | undefined;
const configPath = app.node.tryGetContext('config') as string | undefined;
const compliance = app.node.tryGetContext('compliance') as string | undefined;

try {
  let override: unknown;
  if (configPath) {
    try {
      override = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (error) {
      throw new KitConfigError(`Cannot read config file ${configPath}: ${(error as Error).message}`);
    }
  }
  if (compliance !== undefined && !isCompliancePack(compliance)) {
    throw new KitConfigError(`Unknown compliance pack '${compliance}' (choose one of: ${COMPLIANCE_PACKS.join(', ')})`);
  }
  addKit(app, loadKitConfig({ preset, override, overrideSource: configPath }), { compliance });
  app.synth();
} catch (error) {
  if (error instanceof KitConfigError) {
    console.error(`media-kit: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
