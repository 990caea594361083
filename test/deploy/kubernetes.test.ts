/** The Kubernetes manifests against the API schemas (kubernetes-validate --strict, offline). */
import fs from 'node:fs';
import path from 'node:path';
import { brokenCopy, readYaml, ROOT, runTool } from '../support/tools';

const DIR = 'deploy/kubernetes';
const files = fs
  .readdirSync(path.join(ROOT, DIR))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `${DIR}/${f}`);
interface Resource {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}
const resources = files.flatMap((f) => [readYaml(f)].flat() as Resource[]);

test('kubernetes-validate --strict accepts every manifest', async () => {
  const result = await runTool('kubernetes-validate', ['--strict', ...files]);
  console.log(`kubernetes-validate --strict ${files.join(' ')}\n${result.stdout}${result.stderr}`);
  expect(result.stdout + result.stderr).not.toMatch(/ERROR|WARN/);
  expect(result.code).toBe(0);
});

test('the validator rejects a broken manifest (an unknown field)', async () => {
  const broken = brokenCopy(`${DIR}/worker.yaml`, 'periodSeconds: 15', 'periodSecond: 15');
  const result = await runTool('kubernetes-validate', ['--strict', broken]);
  expect(result.code).not.toBe(0);
});

test('a worker Deployment with probes and limits, the setup Job, a ConfigMap, a PodDisruptionBudget, secrets by reference', () => {
  expect(resources.map((r) => r.kind).sort()).toEqual(
    ['ConfigMap', 'Deployment', 'Job', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Service'].sort(),
  );
  const deployment = resources.find((r) => r.kind === 'Deployment');
  const text = JSON.stringify(deployment);
  expect(text).toContain('"livenessProbe":{"httpGet":{"path":"/healthz"');
  expect(text).toContain('"readinessProbe":{"httpGet":{"path":"/readyz"');
  expect(text).toMatch(/"limits":\{"cpu":"1","memory":"1Gi"\}/);
  expect(text).toContain('"runAsNonRoot":true');
  expect(text).toContain('"secretKeyRef"');
  expect(JSON.stringify(resources)).not.toMatch(/postgres:\/\/[^"]*:[^"@]*@/);
});
