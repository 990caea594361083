/** The Grafana dashboards of deploy/grafana/dashboards/ and each panel's queries. */
import fs from 'node:fs';
import path from 'node:path';

export const DASHBOARD_DIR = path.resolve(__dirname, '../../deploy/grafana/dashboards');

export interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

interface Dashboard {
  title: string;
  panels: { title: string; targets?: { expr: string }[] }[];
}

export function dashboardFiles(): string[] {
  return fs
    .readdirSync(DASHBOARD_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => path.join(DASHBOARD_DIR, name));
}

export function readDashboard(file: string): Dashboard {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Dashboard;
}

export function panelQueries(): PanelQuery[] {
  return dashboardFiles().flatMap((file) => {
    const dashboard = readDashboard(file);
    return dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        dashboard: dashboard.title,
        panel: panel.title,
        expr: target.expr,
      })),
    );
  });
}
