/**
 * The docs cannot drift from the code (as sqlite-utils checks its docs against its CLI):
 * - the README's configuration table names exactly the variables `loadConfig` reads, and its
 *   tempctl table exactly the commands `tempctl` registers, each with options that command has;
 * - every path written in backticks in `docs/*.md` and the README exists (a package name is a
 *   dependency in package.json);
 * - every identifier named "`name` in `file.ts`" or "`name` (`file.ts`)" is exported from that file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import ts from 'typescript';
import { loadConfig } from '../../config';
import { buildProgram } from '../../cli/main';

const ROOT = path.resolve(__dirname, '../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The first cell of each row of the table under the heading `## <title>`, as written in markdown. */
function firstCells(title: string): string[] {
  const section = README.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  if (section === undefined) throw new Error(`README has no "## ${title}" section`);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map(
      (line) =>
        line
          .slice(1)
          .split(/(?<!\\)\|/)[0]
          ?.trim() ?? '',
    );
}

/** Every variable name `loadConfig` looks up, found by handing it an environment that records reads. */
function variablesRead(): Set<string> {
  const read = new Set<string>();
  // A partner API URL and key make it read the API's own settings too.
  const values: Record<string, string> = { SENSOR_API_URL: 'http://127.0.0.1:9/', SENSOR_API_KEY: 'k' };
  const env = new Proxy(values, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return typeof name === 'string' ? target[name] : undefined;
    },
  });
  loadConfig(env);
  return read;
}

/** Leaf commands by their path ("schedule apply"), with their long options. */
function registeredCommands(): Map<string, string[]> {
  const leaves = new Map<string, string[]>();
  const visit = (command: Command, prefix: string[]) => {
    for (const sub of command.commands) {
      const route = [...prefix, sub.name()];
      if (sub.commands.length === 0)
        leaves.set(
          route.join(' '),
          sub.options.map((o) => o.long ?? ''),
        );
      else visit(sub, route);
    }
  };
  visit(buildProgram(), []);
  return leaves;
}

/**
 * The commands a tempctl row documents, with the options written after each: "`schedule apply \|
 * describe`" is two commands, "`backup verify [--from H]`, `restore --from <f>`" two others.
 */
function documentedCommands(): Map<string, string[]> {
  const documented = new Map<string, string[]>();
  for (const cell of firstCells('tempctl')) {
    for (const [, usage] of cell.matchAll(/`([^`]+)`/g)) {
      const [first = '', ...alternatives] = (usage ?? '').split(' \\| ');
      // The command's path: the words before its first option or argument.
      const route: string[] = [];
      for (const word of first.split(' ')) {
        if (!/^[a-z][a-z0-9-]*$/.test(word)) break;
        route.push(word);
      }
      const options = [...first.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);
      documented.set(route.join(' '), options);
      for (const alternative of alternatives)
        documented.set([...route.slice(0, -1), alternative.trim()].join(' '), []);
    }
  }
  return documented;
}

test('the configuration table lists exactly the variables the configuration module reads', () => {
  const documented = firstCells('Configuration').flatMap((cell) =>
    [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]),
  );
  expect([...new Set(documented)].sort()).toEqual([...variablesRead()].sort());
});

test('the tempctl table lists exactly the commands tempctl registers', () => {
  expect([...documentedCommands().keys()].sort()).toEqual([...registeredCommands().keys()].sort());
});

test('each option the tempctl table shows is an option of its command', () => {
  const registered = registeredCommands();
  for (const [command, options] of documentedCommands()) {
    for (const option of options)
      expect({ command, option, known: registered.get(command)?.includes(option) }).toEqual({
        command,
        option,
        known: true,
      });
  }
});

/** The docs the path and identifier checks read: the README and every page of docs/. */
const DOCS = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** A page's text outside fenced code blocks (diagrams and shell examples), line by line. */
function proseLines(doc: string): { line: number; text: string }[] {
  let fenced = false;
  return fs
    .readFileSync(path.join(ROOT, doc), 'utf8')
    .split('\n')
    .flatMap((text, i) => {
      if (text.trimStart().startsWith('```')) fenced = !fenced;
      return fenced || text.trimStart().startsWith('```') ? [] : [{ line: i + 1, text }];
    });
}

const TRACKED = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
const TRACKED_DIRS = new Set(
  TRACKED.flatMap((file) =>
    file
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
  ),
);
const TRACKED_NAMES = new Set(TRACKED.map((file) => path.basename(file)));
/** Folders made at run time (.gitignore lists them): `.data/…`, `.tools/…` are not in the tree. */
const RUNTIME_FOLDERS = fs
  .readFileSync(path.join(ROOT, '.gitignore'), 'utf8')
  .split('\n')
  .filter((line) => /^\.?[\w-]+\/$/.test(line.trim()));
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const DEPENDENCIES = new Set([...Object.keys(PACKAGE.dependencies), ...Object.keys(PACKAGE.devDependencies)]);
/** Names written like paths that are not ours: container images, a file in the user's home. */
const NOT_OURS = new Set(['temporalio/auto-setup', '~/.pgpass']);

/**
 * Whether a backticked token names a path: one word with a folder separator or a source file's
 * extension, not a URL, an absolute path, an HTTP route or a pattern (`hour=<ms>/…`, `00N_….ts`).
 */
function asPath(token: string): string | null {
  if (/\s|:\/\/|^\/|[<>*…{}=$()[\],:;'"|]/.test(token) || NOT_OURS.has(token)) return null;
  if (!token.includes('/') && !/\.(ts|md|js|mjs|json|ya?ml|sql|sh|csv|geojson)$/.test(token)) return null;
  // A path under a setting (`FILE_DROP_DIR/processed/`) is where that setting points.
  if (/^[A-Z][A-Z0-9_]*\//.test(token)) return null;
  return token;
}

/** Whether a path a doc names exists: in the tree, under a run-time folder, or as a dependency. */
function exists(token: string): boolean {
  const bare = token.replace(/\/$/, '');
  if (token.startsWith('@')) return DEPENDENCIES.has(token);
  if (RUNTIME_FOLDERS.some((folder) => token.startsWith(folder))) return true;
  if (TRACKED.includes(bare) || TRACKED_DIRS.has(bare)) return true;
  // A bare source file (`reading.ts` in core/'s row) is relative to its context: some file of the
  // tree must have that name. Other bare names (`failed/`, `manifest.json`) are made at run time.
  if (!bare.includes('/')) return !bare.endsWith('.ts') || TRACKED_NAMES.has(bare);
  return false;
}

test('every path the docs write in backticks exists', () => {
  const missing: string[] = [];
  for (const doc of DOCS) {
    for (const { line, text } of proseLines(doc)) {
      for (const [, token = ''] of text.matchAll(/`([^`]+)`/g)) {
        const named = asPath(token);
        if (named !== null && !exists(named)) missing.push(`${doc}:${line}: ${named}`);
      }
    }
  }
  expect(missing).toEqual([]);
});

/** "`name` in `file.ts`", "`name(…)` in `file.ts`" and "`name` (`file.ts`" in the docs' prose. */
function namedExports(): { where: string; name: string; file: string }[] {
  const mentions: { where: string; name: string; file: string }[] = [];
  const pattern = /`([A-Za-z_$][\w$]*)(?:\([^`]*\))?`(?: in |,? \()`([\w./-]+\.ts)`/g;
  for (const doc of DOCS)
    for (const { line, text } of proseLines(doc))
      for (const [, name = '', file = ''] of text.matchAll(pattern))
        // A setting's name (SENSOR_API_MAX_RETRY_AFTER_MS) is read by the file, not exported by it.
        if (!/^[A-Z][A-Z0-9_]+$/.test(name)) mentions.push({ where: `${doc}:${line}`, name, file });
  return mentions;
}

/** The names a TypeScript file exports, from the compiler (declarations and `export { … }` lists). */
function exportsOf(files: string[]): Map<string, Set<string>> {
  const program = ts.createProgram(
    files.map((file) => path.join(ROOT, file)),
    { noResolve: true, noLib: true, types: [], allowJs: false },
  );
  const checker = program.getTypeChecker();
  const exports = new Map<string, Set<string>>();
  for (const file of files) {
    const source = program.getSourceFile(path.join(ROOT, file));
    const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    exports.set(
      file,
      new Set(symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((s) => s.name)),
    );
  }
  return exports;
}

test('the checks themselves tell a stale reference from a good one', () => {
  // A pattern that matched nothing would pass everything.
  expect(namedExports().length).toBeGreaterThan(10);
  expect(DOCS).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/scaling.md']));
  expect(exists('core/importHour.ts')).toBe(true);
  expect(exists('adapters/sources/')).toBe(true);
  expect(exists('core/jsonArraySplitter.ts')).toBe(false);
  expect(exists('@temporalio/workflow')).toBe(true);
  expect(exists('@temporalio/testing')).toBe(false);
  expect(asPath('hour=<ms>/bucket=<b>')).toBeNull();
  expect(asPath('s3://bucket/prefix')).toBeNull();
  const exported = exportsOf(['core/importHour.ts', 'core/reading.ts']);
  expect(exported.get('core/importHour.ts')?.has('HOUR_MS')).toBe(true);
  // Declared but not exported.
  expect(exported.get('core/importHour.ts')?.has('WORKFLOW_ID_PREFIX')).toBe(false);
  // Re-exported from another module.
  expect(exported.get('core/reading.ts')?.has('isStorableText')).toBe(true);
});

test('every identifier the docs name "in `file.ts`" is exported from that file', () => {
  const mentions = namedExports();
  const files = [...new Set(mentions.map((m) => m.file))].filter((file) => TRACKED.includes(file));
  const exports = exportsOf(files);
  const wrong = mentions
    .filter(({ name, file }) => !(exports.get(file)?.has(name) ?? false))
    .map(
      ({ where, name, file }) =>
        `${where}: ${name} in ${file}${TRACKED.includes(file) ? '' : ' (no such file)'}`,
    );
  expect(wrong).toEqual([]);
});
