#!/usr/bin/env node
// The npm bin entry: Node cannot run the TypeScript CLI by itself, so tsx's loader is registered
// first (tsx is a runtime dependency of the kit), then bin/media-kit.ts is imported.
import { register } from 'tsx/esm/api';

register();
await import('./media-kit.ts');
