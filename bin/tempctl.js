#!/usr/bin/env node
// tempctl. In the built app (`npm run build` writes dist/, the image ships it) the compiled
// JavaScript sits next to this file's folder and runs as it is; in a clone the TypeScript sources
// run directly through tsx's CommonJS loader: no build step to forget while developing.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
if (!fs.existsSync(path.join(root, 'cli', 'main.js'))) require('tsx/cjs');

// A worker needs V8 flags that only node's command line can give: started without them, the
// command starts node again with them as its child and passes on signals and the exit code
// (worker/relaunch.ts says which PID is the worker).
const { relaunch, relaunchArgs } = require('../worker/relaunch');
const again = relaunchArgs(process.argv, process.execArgv);
const done = (code) => {
  process.exitCode = code;
  // The command is done: a handle left open (the Temporal runtime's threads after a worker
  // failed at start, a logger's transport) must not keep the process alive. Normally it exits
  // before this unref'd timer fires.
  setTimeout(() => process.exit(code), 2_000).unref();
};
if (again) relaunch(again).then(done);
else require('../cli/main').main(process.argv).then(done);
