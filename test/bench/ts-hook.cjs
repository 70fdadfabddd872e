/**
 * Lets a plain `node` child process load the project's TypeScript (the bench runs the IMAP scale
 * sync in its own process, so its peak RSS is the adapter's, not jest's): compiles each .ts file
 * with swc, as jest's transform does.
 */
const { transformSync } = require('@swc/core');
const fs = require('node:fs');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: false,
  });
  module._compile(code, filename);
};
