#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so there is no separate build step for the command.
// scripts/raw-loader.mjs serves the `?raw` imports of the export templates (engine/export/scripts.ts).
import { register } from 'tsx/esm/api';
import '../scripts/raw-loader.mjs';

register();
await import('../cli/run.ts');
