import { generateReadings } from '../../sim/generator';
import { startSimulator, type RunningSimulator } from '../../sim/server';

const KEY = 'sim-test-key';
const NOW = new Date('2026-11-27T14:00:00Z');
const now = () => NOW;

async function get(
  url: string,
  key: string | null = KEY,
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { headers: key === null ? {} : { 'X-API-Key': key } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('sensor simulator over HTTP', () => {
  let sim: RunningSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('answers 401 to a missing or wrong key without using a fault, and the readings to the right one', async () => {
    sim = await startSimulator({ seed: 9, apiKey: KEY, readingsPerCall: 20, now, faults: ['500'] });
    expect((await get(sim.url, null)).status).toBe(401);
    expect((await get(sim.url, 'wrong')).status).toBe(401);
    expect((await get(sim.url)).status).toBe(500); // the fault applies to the first authenticated call
    const ok = await get(sim.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(ok.text)).toEqual(generateReadings(9, 1, 20, NOW));
    expect(sim.calls).toBe(4);
    expect(sim.dataCalls).toBe(1);
    expect(sim.served.map((s) => [s.outcome, s.status])).toEqual([
      ['unauthorized', 401],
      ['unauthorized', 401],
      ['500', 500],
      ['ok', 200],
    ]);
  });

  it('numbers data answers so faults before one do not change what it serves', async () => {
    sim = await startSimulator({
      seed: 4,
      apiKey: KEY,
      readingsPerCall: 5,
      now,
      faults: ['503', '429', 'trunc'],
    });
    const statuses: Array<{ status: number; headers: Headers; text: string }> = [];
    for (let i = 0; i < 5; i += 1) statuses.push(await get(sim.url));
    expect(statuses.map((s) => s.status)).toEqual([503, 429, 200, 200, 200]);
    expect(statuses[0]?.headers.get('retry-after')).toBe('1');
    expect(statuses[1]?.headers.get('retry-after')).toBe('1');
    expect(() => JSON.parse(statuses[2]?.text ?? '') as unknown).toThrow(SyntaxError);
    expect(JSON.parse(statuses[3]?.text ?? '')).toEqual(generateReadings(4, 1, 5, NOW));
    expect(JSON.parse(statuses[4]?.text ?? '')).toEqual(generateReadings(4, 2, 5, NOW));
    expect(sim.served.map((s) => s.dataIndex)).toEqual([null, null, null, 1, 2]);
    expect(sim.served[3]?.records).toEqual(generateReadings(4, 1, 5, NOW));
  });

  it('serves each fault mode', async () => {
    sim = await startSimulator({
      seed: 1,
      apiKey: KEY,
      readingsPerCall: 10,
      now,
      retryAfter: 'Fri, 27 Nov 2026 14:00:30 GMT',
      faults: ['object', '401', '403', '404', '500', '503', 'malformed'],
    });
    const object = await get(sim.url);
    expect([object.status, JSON.parse(object.text)]).toEqual([200, { error: 'quota exceeded' }]);
    expect((await get(sim.url)).status).toBe(401);
    expect((await get(sim.url)).status).toBe(403);
    expect((await get(sim.url)).status).toBe(404);
    expect((await get(sim.url)).status).toBe(500);
    expect((await get(sim.url)).headers.get('retry-after')).toBe('Fri, 27 Nov 2026 14:00:30 GMT');
    const malformed = await get(sim.url);
    expect(JSON.parse(malformed.text)).toHaveLength(16);
    expect((await get(`${sim.url.replace('/readings', '')}/elsewhere`)).status).toBe(404);
  });

  it('drops the connection on reset', async () => {
    sim = await startSimulator({ seed: 1, apiKey: KEY, faults: ['reset'] });
    await expect(get(sim.url)).rejects.toThrow('fetch failed');
  });

  it('answers a slow call late, and close() does not wait for one still pending', async () => {
    sim = await startSimulator({
      seed: 2,
      apiKey: KEY,
      readingsPerCall: 3,
      now,
      slowMs: 300,
      faults: ['slow'],
    });
    const started = Date.now();
    const slow = await get(sim.url);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(JSON.parse(slow.text)).toEqual(generateReadings(2, 1, 3, NOW));

    sim.setFaults(['slow']);
    const pending = get(sim.url).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = Date.now();
    await sim.close();
    sim = undefined;
    expect(Date.now() - closing).toBeLessThan(250);
    expect(await pending).toMatchObject({ message: 'fetch failed' }); // not instanceof: jest's realm differs
  });

  it('can answer chunked, without Content-Length', async () => {
    sim = await startSimulator({ seed: 3, apiKey: KEY, readingsPerCall: 4, now, chunked: true });
    const response = await get(sim.url);
    expect(response.headers.get('content-length')).toBeNull();
    expect(JSON.parse(response.text)).toEqual(generateReadings(3, 1, 4, NOW));
  });
});
