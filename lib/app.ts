import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { KitConfig } from './presets/schema.ts';
import { KitStack } from './stacks/kit-stack.ts';

export function stackNameFor(config: KitConfig): string {
  return config.stackName ?? `MediaKit-${config.preset}`;
}

/** Adds the kit's stack for one validated config to an app, with cdk-nag's AWS Solutions checks. */
export function addKit(app: App, config: KitConfig, options: { nag?: boolean } = {}): KitStack {
  const stack = new KitStack(app, stackNameFor(config), { config });
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return stack;
}
