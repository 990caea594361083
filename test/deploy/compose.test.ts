/**
 * docker-compose.yml against the Compose specification's JSON schema (check-jsonschema ships it:
 * `--builtin-schema vendor.compose-spec`, offline), and the shape the issue asks for.
 */
import { brokenCopy, readYaml, runTool } from '../support/tools';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
}
const compose = readYaml('docker-compose.yml') as { services: Record<string, Service> };
const services = compose.services;

test('check-jsonschema validates it against the compose specification', async () => {
  const result = await runTool('check-jsonschema', [
    '--builtin-schema',
    'vendor.compose-spec',
    'docker-compose.yml',
  ]);
  console.log(
    `check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml\n${result.stdout}${result.stderr}`,
  );
  expect(result.stdout).toContain('ok -- validation done');
  expect(result.code).toBe(0);
});

test('the validator rejects a broken file (a misspelt key)', async () => {
  const broken = brokenCopy('docker-compose.yml', 'restart: unless-stopped', 'restarts: unless-stopped');
  const result = await runTool('check-jsonschema', ['--builtin-schema', 'vendor.compose-spec', broken]);
  expect(result.code).not.toBe(0);
  expect(result.stdout + result.stderr).toMatch(/restarts/);
});

test('production-style Temporal on PostgreSQL, its UI, two workers, the setup job, Prometheus with the rules', () => {
  expect(services.temporal?.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
  expect(services.temporal?.environment?.DB).toBe('postgres12');
  expect(JSON.stringify(services.temporal)).not.toContain('start-dev');
  expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:\d/);
  for (const name of ['worker-1', 'worker-2']) {
    const worker = services[name];
    expect(worker?.command).toEqual(['worker']);
    expect(worker?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/temperature_worker:/);
    expect(worker?.environment?.METRICS_PORT).toBe('9464');
    expect(worker?.healthcheck?.test?.join(' ')).toContain('/readyz');
    expect(worker?.depends_on).toMatchObject({ setup: { condition: 'service_completed_successfully' } });
  }
  const setup = JSON.stringify(services.setup?.command);
  for (const step of ['roles apply', 'migrate', 'schedule apply']) expect(setup).toContain(step);
  expect(services.prometheus?.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro');
});

test('every long-running service has a health check; images are pinned; no secret is written in', () => {
  for (const [name, service] of Object.entries(services)) {
    if (name !== 'setup')
      expect({ name, healthcheck: service.healthcheck !== undefined }).toEqual({ name, healthcheck: true });
    // Pulled images are pinned; the locally built one is tagged by the build.
    if (service.image && service.build === undefined)
      expect({ name, image: service.image }).toEqual({
        name,
        image: expect.stringMatching(/:[\w.-]*\d[\w.-]*$/) as unknown,
      });
  }
  const text = JSON.stringify(compose);
  // Passwords and keys only ever as ${VARIABLE} interpolations.
  for (const match of text.matchAll(/(PASSWORD|PWD|KEY)":"([^"]*)"/g))
    expect(match[2]).toMatch(/^\$\{[A-Z_]+:\?/);
});
