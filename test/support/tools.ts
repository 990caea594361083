/**
 * The checkers the tests run (promtool, check-jsonschema, kubernetes-validate, actionlint, hadolint):
 * installed by scripts/install-check-tools.sh (called by the jest global setups), run as processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const VENV_BIN = path.join(ROOT, '.tools/check-venv/bin');

/** Installs what is missing (idempotent; quick when everything is there). */
export function ensureTools(): void {
  execFileSync('sh', [path.join(ROOT, 'scripts/install-check-tools.sh')], { stdio: 'inherit' });
}

function resolveTool(name: string): string {
  const local = path.join(VENV_BIN, name);
  return fs.existsSync(local) ? local : name;
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a checker from the project root; `input` is written to its standard input. */
export function runTool(name: string, args: string[], input?: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(resolveTool(name), args, { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** A YAML file (or text) as data, read by the checkers' own Python (PyYAML, a check-jsonschema dependency). */
export function readYaml(file: string): unknown {
  const script = 'import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))';
  const out = execFileSync(path.join(VENV_BIN, 'python'), ['-c', script, path.resolve(ROOT, file)]);
  const documents = JSON.parse(out.toString()) as unknown[];
  return documents.length === 1 ? documents[0] : documents;
}

/** A copy of a project file with one change, in a temporary folder, to prove a checker rejects it. */
export function brokenCopy(file: string, from: string | RegExp, to: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const broken = text.replace(from, to);
  if (broken === text) throw new Error(`${file}: nothing to break at ${String(from)}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-broken-'));
  const target = path.join(dir, path.basename(file));
  fs.writeFileSync(target, broken);
  return target;
}
