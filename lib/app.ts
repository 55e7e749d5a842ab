import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { KitConfig } from './presets/schema.ts';
import { KitStack } from './stacks/kit-stack.ts';

export function stackNameFor(config: KitConfig): string {
  return config.stackName ?? `MediaKit-${config.preset}`;
}

/** The stricter rule packs a deployment can be held to (`-c compliance=…`), beside the two that always run. */
export const COMPLIANCE_PACKS = ['nist', 'hipaa'] as const;
export type CompliancePack = (typeof COMPLIANCE_PACKS)[number];

export function isCompliancePack(name: string): name is CompliancePack {
  return (COMPLIANCE_PACKS as readonly string[]).includes(name);
}

/** The cdk-nag packs that judge a stack: AWS Solutions and Serverless always, and the compliance pack asked for. */
export function nagPacks(scope: App, compliance?: CompliancePack): NagPack[] {
  const packs: NagPack[] = [new AwsSolutionsChecks(scope), new ServerlessChecks(scope)];
  if (compliance === 'nist') packs.push(new NIST80053R5Checks(scope));
  if (compliance === 'hipaa') packs.push(new HIPAASecurityChecks(scope));
  return packs;
}

/**
 * cdk-nag's checks on every stack of the app: an unacknowledged finding fails synth. The kit's
 * app and a user's own app (examples/custom-stack) register them the same way.
 */
export function enableNag(app: App, compliance?: CompliancePack): void {
  Validations.of(app).addPlugins(...nagPacks(app, compliance));
}

export interface AddKitOptions {
  /** Run cdk-nag at synth. @default true */
  readonly nag?: boolean;
  /** A compliance pack to run beside AWS Solutions and Serverless. @default none */
  readonly compliance?: CompliancePack;
}

/** Adds the kit's stack for one validated config to an app, with the cdk-nag packs of {@link nagPacks}. */
export function addKit(app: App, config: KitConfig, options: AddKitOptions = {}): KitStack {
  const stack = new KitStack(app, stackNameFor(config), { config });
  if (options.nag ?? true) enableNag(app, options.compliance);
  return stack;
}
