#!/usr/bin/env node
// tempctl runs the TypeScript sources directly through tsx's CommonJS loader: no build step to forget.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
    // The command is done: a handle left open (the Temporal runtime's threads after a worker
    // failed at start, a logger's transport) must not keep the process alive. Normally it exits
    // before this unref'd timer fires.
    setTimeout(() => process.exit(code), 2_000).unref();
  });
