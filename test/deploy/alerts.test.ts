/**
 * The alert rules (deploy/prometheus/alerts.yml): promtool accepts them and the Prometheus config
 * that loads them; promtool's unit tests (alerts.test.yml) pass, make every alert fire and clear,
 * and fail when a rule is changed; every alert has its runbook entry in docs/operations.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, readYaml, runTool } from '../support/tools';

const RULES = 'deploy/prometheus/alerts.yml';
const TESTS = 'deploy/prometheus/alerts.test.yml';

interface RuleFile {
  groups: { rules: { alert: string; expr: string }[] }[];
}
interface RuleTests {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] | null }[] }[];
}

const alerts = (readYaml(RULES) as RuleFile).groups.flatMap((g) => g.rules.map((r) => r.alert));

test("the issue's seven alerts are there", () => {
  expect(alerts).toEqual([
    'TemperatureImportStale',
    'TemperatureHourIncomplete',
    'TemperatureRejectedShareHigh',
    'TemperatureRegionSilent',
    'TemperatureOutsideShareHigh',
    'TemperatureBackupsBehind',
    'TemperatureWorkerDown',
  ]);
});

test('promtool check rules and check config accept them', async () => {
  const rules = await runTool('promtool', ['check', 'rules', RULES]);
  console.log(`promtool check rules ${RULES}\n${rules.stdout}${rules.stderr}`);
  expect(rules.code).toBe(0);
  expect(rules.stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
  const config = await runTool('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml']);
  expect(config.stdout + config.stderr).toContain('is valid prometheus config file syntax');
  expect(config.code).toBe(0);
});

test('promtool test rules: every alert fires and clears on synthetic series', async () => {
  const tests = readYaml(TESTS) as RuleTests;
  const checks = tests.tests.flatMap((t) => t.alert_rule_test);
  for (const alert of alerts) {
    const mine = checks.filter((c) => c.alertname === alert);
    expect({ alert, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0) }).toEqual({
      alert,
      fires: true,
    });
    // Clears: an evaluation after a firing one expects no alert.
    const firstFiring = mine.findIndex((c) => (c.exp_alerts ?? []).length > 0);
    expect({
      alert,
      clears: mine.slice(firstFiring + 1).some((c) => (c.exp_alerts ?? []).length === 0),
    }).toEqual({
      alert,
      clears: true,
    });
  }
  const result = await runTool('promtool', ['test', 'rules', TESTS]);
  console.log(`promtool test rules ${TESTS}\n${result.stdout}${result.stderr}`);
  expect(result.stdout).toContain('SUCCESS');
  expect(result.code).toBe(0);
});

test('the unit tests bite: a changed threshold fails them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-rules-'));
  const rules = fs.readFileSync(path.join(ROOT, RULES), 'utf8').replace('> 2 * 3600', '> 3 * 3600');
  fs.writeFileSync(path.join(dir, 'alerts.yml'), rules);
  fs.copyFileSync(path.join(ROOT, TESTS), path.join(dir, 'alerts.test.yml'));
  const result = await runTool('promtool', ['test', 'rules', path.join(dir, 'alerts.test.yml')]);
  expect(result.code).not.toBe(0);
  expect(result.stdout + result.stderr).toContain('TemperatureImportStale');
});

test('each alert has its runbook entry: what it means, what to do', () => {
  const runbook = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
  for (const alert of alerts) {
    const start = runbook.indexOf(`### ${alert}`);
    expect({ alert, documented: start >= 0 }).toEqual({ alert, documented: true });
    const section = runbook.slice(start, runbook.indexOf('\n### ', start + 1));
    expect(section).toMatch(/\*\*Means\*\*/);
    expect(section).toMatch(/\*\*Do\*\*/);
  }
});
