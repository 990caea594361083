/**
 * The checkers the tests run (promtool, check-jsonschema, kubernetes-validate, actionlint, hadolint):
 * installed by scripts/install-check-tools.sh (called by the jest global setups), run as processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
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
