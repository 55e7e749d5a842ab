import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addKit } from '../../lib/app.ts';
import { loadKitConfig } from '../../lib/presets/index.ts';
import type { KitStack } from '../../lib/stacks/kit-stack.ts';

/** Synthesizes the kit for a preset without bundling assets (infra tests check wiring, not bundles). */
export function synthKit(preset = 'all', override?: unknown, options: { nag?: boolean } = {}): { app: App; stack: KitStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = addKit(app, loadKitConfig({ preset, override }), options);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Resources of one type, by logical id. */
export function resources(template: Template, type: string): Record<string, { Properties: Record<string, any> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, any> }>;
}
