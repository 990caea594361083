// `npm run build`: the app as production runs it, in dist/, with no TypeScript and no tsx.
// - every .ts file of the program (not the tests, not the benchmarks) to CommonJS .js in the same
//   place under dist/ (esbuild, one file each: the folders, and so every path the code computes
//   from __dirname, stay as in the sources);
// - the page's client script bundled once into dist/page/client.js (page/server.ts serves it);
// - what the program reads at run time beside its code: data/, sql/, scripts/, bin/, package.json.
// dist/ is then an app root: `node dist/bin/tempctl.js …` (its default DATA_DIR is dist/.data);
// the image copies it to /app (Dockerfile).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
const PROGRAM = [
  'core',
  'adapters',
  'config',
  'workflows',
  'activities',
  'worker',
  'migrations',
  'cli',
  'sim',
  'page',
  'client',
];
const ASSETS = ['data', 'sql', 'scripts', 'bin', 'package.json'];
// Node 20 is still supported (README): the output must run there too.
const TARGET = 'node20';

const sources = PROGRAM.flatMap((folder) =>
  fs
    .readdirSync(path.join(ROOT, folder), { recursive: true })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .filter((name) => !(folder === 'page' && name.startsWith('client')))
    .map((name) => path.join(ROOT, folder, name)),
);

fs.rmSync(OUT, { recursive: true, force: true });
await esbuild.build({
  entryPoints: sources,
  outdir: OUT,
  outbase: ROOT,
  format: 'cjs',
  platform: 'node',
  target: TARGET,
  logLevel: 'warning',
});
// Bundled by the page's own function (the sources' client/main.ts, found through ROOT).
const { bundleClientScript, CLIENT_SCRIPT_FILE } = createRequire(import.meta.url)(
  path.join(OUT, 'page/server.js'),
);
fs.writeFileSync(
  path.join(OUT, 'page', CLIENT_SCRIPT_FILE),
  await bundleClientScript(path.join(ROOT, 'page')),
);
for (const asset of ASSETS) {
  fs.cpSync(path.join(ROOT, asset), path.join(OUT, asset), { recursive: true });
}
console.log(`build: ${sources.length} files compiled into ${path.relative(process.cwd(), OUT) || '.'}/`);
