/** The GitHub Actions workflow: actionlint and the SchemaStore workflow schema accept it. */
import { brokenCopy, readYaml, runTool } from '../support/tools';

const WORKFLOW = '.github/workflows/ci.yml';

test('actionlint accepts it', async () => {
  const result = await runTool('actionlint', ['-no-color', WORKFLOW]);
  console.log(`actionlint ${WORKFLOW}: exit ${result.code} ${result.stdout}${result.stderr}`);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.code).toBe(0);
});

test('actionlint rejects a broken workflow (an undefined expression context)', async () => {
  const broken = brokenCopy(WORKFLOW, 'run: npm test', 'run: npm test ${{ matrix.shard }}');
  const result = await runTool('actionlint', ['-no-color', broken]);
  expect(result.code).not.toBe(0);
  expect(result.stdout).toMatch(/matrix/);
});

test('the workflow schema accepts it', async () => {
  const result = await runTool('check-jsonschema', ['--builtin-schema', 'vendor.github-workflows', WORKFLOW]);
  expect(result.code).toBe(0);
});

test("it runs the README's test command with a PostgreSQL service", () => {
  const workflow = readYaml(WORKFLOW) as {
    jobs: { test: { services: { postgres: { image: string } }; steps: { run?: string }[] } };
  };
  expect(workflow.jobs.test.services.postgres.image).toMatch(/^postgres:\d+/);
  expect(workflow.jobs.test.steps.map((s) => s.run)).toContain('npm test');
});
