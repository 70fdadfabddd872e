/**
 * Compiles the project's TypeScript (src, dev, test/support, test/faults, test/bench) with swc into a
 * directory under node_modules/.cache, as `npm run build:server` does, so a bench child runs plain
 * JavaScript like the deployed adapter: with ts-hook.cjs it would carry the compiler itself (swc's
 * native module, about 30 MB of RSS) into the memory it measures. Answers the compiled root.
 */
const { transformSync } = require('@swc/core');
const fs = require('node:fs');
const path = require('node:path');

function compileTree(root) {
  const out = path.join(root, 'node_modules/.cache/rezi-bench-build');
  fs.rmSync(out, { recursive: true, force: true });
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const from = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(from);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const source = fs.readFileSync(path.join(root, from), 'utf8');
        const { code } = transformSync(source, {
          filename: from,
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
          sourceMaps: false,
        });
        const to = path.join(out, from.replace(/\.ts$/, '.js'));
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, code);
      }
    }
  };
  for (const dir of ['src', 'dev', 'test/support', 'test/faults', 'test/bench']) walk(dir);
  fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "commonjs" }\n');
  return out;
}

module.exports = { compileTree };
