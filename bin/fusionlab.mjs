#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so there is no separate build step for the command.
import { register } from 'tsx/esm/api';

register();
await import('../cli/run.ts');
