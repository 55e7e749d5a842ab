#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { enableNag } from '../../../lib/app.ts';
import { CustomMediaStack } from '../lib/custom-media-stack.ts';

/** `npx cdk synth --app 'npx tsx examples/custom-stack/bin/app.ts'` (from the repository root). */
const app = new App();
new CustomMediaStack(app, 'CustomMedia');
enableNag(app);
app.synth();
