#!/usr/bin/env node
// podfn's launcher: registers tsx's loader in this process (resolved from the repo, not the cwd) and
// runs the TypeScript CLI, src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
process.env.PODFN_CLI_MAIN = '1';
await import('../src/cli/main.ts');
