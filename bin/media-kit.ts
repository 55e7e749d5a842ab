#!/usr/bin/env node
import { main } from '../lib/local/cli/main.ts';

/** The media-kit CLI (DESIGN.md, "CLI contract"); bin/media-kit.js runs it through tsx. */
// The kit supports Node 20.19+ (package.json engines); the SDK's notice about its own future
// Node 22 requirement would otherwise interleave with every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await main(process.argv.slice(2));
