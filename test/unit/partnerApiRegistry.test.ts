/** createSources: the sources an import fetches, by name from the configuration. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { isConfigError } from '../../core/errors';
import { createSources, SOURCE_FACTORIES } from '../../adapters/sources';
import { SOURCE_NAMES } from '../../core/policies';
import { startSimulator } from '../../sim/server';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sources-registry-'));
  dirs.push(dir);
  return dir;
}

describe('createSources', () => {
  it('builds each configured source once, in order, and they fetch', async () => {
    const dropDir = tempDir();
    fs.writeFileSync(path.join(dropDir, 'x.ndjson'), '{"id":"f1"}\n');
    const sim = await startSimulator({ seed: 1, apiKey: 'registry-key', readingsPerCall: 4 });
    try {
      const config = loadConfig({
        SOURCES: 'file-drop,partner-api,file-drop',
        SENSOR_API_URL: sim.url,
        SENSOR_API_KEY: 'registry-key',
        FILE_DROP_DIR: dropDir,
      });
      const sources = createSources(config);
      expect(sources.map((s) => s.name)).toEqual(['file-drop', 'partner-api']);
      const [drop, api] = await Promise.all(sources.map((s) => s.fetch()));
      expect(drop?.map((b) => b.records)).toEqual([[{ id: 'f1' }]]);
      expect(JSON.parse(fs.readFileSync(api?.[0]?.bodyFile ?? '', 'utf8'))).toHaveLength(4);
    } finally {
      await sim.close();
    }
  });

  it('names SENSOR_API_URL when partner-api is configured without it', () => {
    const config = loadConfig({ SOURCES: 'partner-api', FILE_DROP_DIR: tempDir() });
    let thrown: unknown;
    try {
      createSources(config);
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown) && thrown.setting).toBe('SENSOR_API_URL');
    // file-drop alone needs no API.
    expect(createSources({ ...config, sources: ['file-drop'] }).map((s) => s.name)).toEqual(['file-drop']);
  });

  it('has a factory for every source name loadConfig accepts', () => {
    expect(Object.keys(SOURCE_FACTORIES).sort()).toEqual([...SOURCE_NAMES].sort());
    // An unknown name is refused once, when the configuration is read.
    expect(() => loadConfig({ SOURCES: 'ftp' })).toThrow(/SOURCES: unknown source ftp/);
  });
});
