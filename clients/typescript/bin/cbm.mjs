#!/usr/bin/env node
// The `cbm` command line: runs the TypeScript sources through tsx's loader (a dependency
// of the package), from any working directory.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
