import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { KitConfig } from './presets/schema.ts';
import { KitStack } from './stacks/kit-stack.ts';

export function stackNameFor(config: KitConfig): string {
  return config.stackName ?? `MediaKit-${config.preset}`;
}

/**
 * cdk-nag's AWS Solutions checks on every stack of the app: an unacknowledged finding fails synth.
 * The kit's app and a user's own app (examples/custom-stack) register them the same way.
 */
export function enableNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/** Adds the kit's stack for one validated config to an app, with cdk-nag's AWS Solutions checks. */
export function addKit(app: App, config: KitConfig, options: { nag?: boolean } = {}): KitStack {
  const stack = new KitStack(app, stackNameFor(config), { config });
  if (options.nag ?? true) enableNag(app);
  return stack;
}
