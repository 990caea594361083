/** `tempctl simulate` as an operator runs it: a real process, real HTTP, stopped by a signal. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { generateReadings } from '../../sim/generator';

const ROOT = path.resolve(__dirname, '../..');
const KEY = 'cli-secret-key-5521';

function runSimulate(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/tempctl.js'), 'simulate', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (let i = 0; i < 300; i += 1) {
      const match = pattern.exec(output);
      if (match) return match;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${String(pattern)}; output so far:\n${output}`);
  };
  return { child, exited, waitFor, output: () => output };
}

describe('tempctl simulate', () => {
  it('serves the seeded readings with its faults, prints its URL but never the key, stops on SIGTERM', async () => {
    const sim = runSimulate(['--port', '0', '--seed', '8', '--per-call', '3', '--faults', '429'], {
      SENSOR_API_KEY: KEY,
    });
    try {
      const [, url = ''] = await sim.waitFor(/serving (http:\/\/127\.0\.0\.1:\d+\/readings)/);
      expect((await fetch(url)).status).toBe(401);
      const limited = await fetch(url, { headers: { 'X-API-Key': KEY } });
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
      const ok = await fetch(url, { headers: { 'X-API-Key': KEY } });
      const records = (await ok.json()) as Array<{ lat: number; lon: number }>;
      // The process uses its own clock, which moves ids, timestamps and temperatures but not the
      // places: those come from (seed, data call) alone.
      const expected = generateReadings(8, 1, 3, new Date('2026-01-01T00:00:00Z')).map((r) => [r.lat, r.lon]);
      expect(records.map((r) => [r.lat, r.lon])).toEqual(expected);
      await sim.waitFor(/call 3: ok \(HTTP 200, data #1: 3 records\)/);
    } finally {
      sim.child.kill('SIGTERM');
    }
    expect(await sim.exited).toBe(0);
    expect(sim.output()).toContain('stopped (SIGTERM) after 3 calls');
    expect(sim.output()).toContain('key from SENSOR_API_KEY');
    expect(sim.output()).not.toContain(KEY);
  });

  it('refuses an unknown fault mode and a bad port, naming them', async () => {
    const badFault = runSimulate(['--port', '0', '--faults', '500,teapot']);
    expect(await badFault.exited).not.toBe(0);
    expect(badFault.output()).toContain('unknown fault mode "teapot"');
    const badPort = runSimulate(['--port', '70000']);
    expect(await badPort.exited).not.toBe(0);
    expect(badPort.output()).toMatch(/--port.*0\.\.65535/);
  });
});
