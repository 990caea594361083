/**
 * The Grafana dashboards' shape (their queries are evaluated against a real worker in
 * test/integration/operations.test.ts): each has a uid, unique panel ids, a query on every panel,
 * and reads Prometheus through the `datasource` variable; the jobs they name are Prometheus' jobs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dashboardFiles, readDashboard } from '../support/dashboards';
import { readYaml, ROOT } from '../support/tools';

interface Panel {
  id: number;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr?: string }[];
}

test('the pipeline and Temporal worker dashboards are there', () => {
  expect(
    dashboardFiles()
      .map((f) => path.basename(f))
      .sort(),
  ).toEqual(['pipeline.json', 'temporal-worker.json']);
});

test.each(dashboardFiles().map((f) => [path.basename(f), f]))(
  '%s: uid, unique ids, a query per panel, the datasource variable',
  (_name, file) => {
    const dashboard = readDashboard(file) as unknown as {
      uid: string;
      panels: Panel[];
      templating: { list: { name: string; type: string }[] };
    };
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
    for (const panel of dashboard.panels) {
      expect(panel.datasource?.uid).toBe('${datasource}');
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr?.trim()).toBeTruthy();
    }
  },
);

test('the jobs the dashboards name are the ones Prometheus scrapes', () => {
  const config = readYaml(path.join(ROOT, 'deploy/prometheus/prometheus.yml')) as {
    scrape_configs: { job_name: string }[];
  };
  const jobs = new Set(config.scrape_configs.map((c) => c.job_name));
  const text = dashboardFiles()
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  const named = [...text.matchAll(/job=\\"([^"\\]+)\\"/g)].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(0);
  for (const job of named) expect(jobs).toContain(job);
});
