// Preloaded (`node --require`) where the built app must run without tsx: resolving tsx throws.
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^tsx(\/|$)/.test(request)) throw new Error(`the built app loaded ${request}`);
  return resolve.call(this, request, ...rest);
};
