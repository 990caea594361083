#!/usr/bin/env node
// tempctl runs the TypeScript sources directly through tsx's CommonJS loader: no build step to forget.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
