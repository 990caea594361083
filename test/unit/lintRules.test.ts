/**
 * The dependency rules in eslint.config.mjs really fail on a file that breaks them, and let the
 * imports each folder is meant to use through. ESLint's API lints each fixture as if it were a file
 * in that folder, with the project's own configuration; in a child process, because the
 * configuration is an ES module that jest's module system would load differently.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface Fixture {
  file: string;
  code: string;
}

const LINT_SCRIPT = `
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
const fixtures = JSON.parse(process.argv[1]);
// Fixtures are not on disk, so the type-aware rules (which need the TypeScript program) are off.
const eslint = new ESLint({ overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });
const results = [];
for (const { file, code } of fixtures) {
  const [result] = await eslint.lintText(code, { filePath: file });
  results.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line));
}
console.log(JSON.stringify(results));
`;

/** For each fixture, the lines that no-restricted-imports reports. */
function restrictedLines(fixtures: Fixture[]): number[][] {
  const output = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', LINT_SCRIPT, JSON.stringify(fixtures)],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return JSON.parse(output) as number[][];
}

/** One import per line; the fixture's file name puts it in the folder under test. */
function fixture(file: string, imports: string[]): Fixture {
  return { file: path.join(ROOT, file), code: imports.join('\n') + '\n' };
}

describe('dependency rules (eslint.config.mjs)', () => {
  const cases: { name: string; fixture: Fixture; reported: number[] }[] = [
    {
      name: 'core/ imports nothing outside core/, and no I/O package',
      fixture: fixture('core/lintFixture.ts', [
        "import { ConfigError } from './errors';", // allowed
        "import { createHash } from 'node:crypto';", // allowed: pure
        "import { loadConfig } from '../config';",
        "import type { Activities } from '../activities';",
        "import fs from 'node:fs';",
        "import { Client } from '@temporalio/client';",
      ]),
      reported: [3, 4, 5, 6],
    },
    {
      name: 'core/geo/ may import core/, not what is beyond',
      fixture: fixture('core/geo/lintFixture.ts', [
        "import { ConfigError } from '../errors';", // allowed: still core
        "import { booleanPointInPolygon } from '@turf/turf';", // allowed
        "import { hourStates } from '../../adapters/db/hours';",
      ]),
      reported: [3],
    },
    {
      name: 'workflows/ import values only from workflows/, core/ and @temporalio/workflow',
      fixture: fixture('workflows/lintFixture.ts', [
        "import { proxyActivities } from '@temporalio/workflow';", // allowed
        "import { formatHour } from '../core/importHour';", // allowed
        "import type { Activities } from '../activities';", // allowed: a type
        "import { summariseImport } from './summary';", // allowed
        "import { createDatabase } from '../adapters/db/connection';",
        "import { Client } from '@temporalio/client';",
        "import fs from 'node:fs';",
        "import { loadConfig } from '../config';",
      ]),
      reported: [5, 6, 7, 8],
    },
    {
      name: 'activities/ never import cli/, client/ or worker/',
      fixture: fixture('activities/lintFixture.ts', [
        "import { landBatch } from '../adapters/db/landing';", // allowed
        "import { formatSummary } from '../cli/format';",
        "import { runImport } from '../client';",
      ]),
      reported: [2, 3],
    },
    {
      name: 'adapters/ never import activities/, workflows/ or the outer folders',
      fixture: fixture('adapters/db/lintFixture.ts', [
        "import { parseHour } from '../../core/importHour';", // allowed
        "import { createActivities } from '../../activities';",
        "import { hourlyImport } from '../../workflows/hourlyImport';",
      ]),
      reported: [2, 3],
    },
  ];

  test('each rule reports exactly the violating imports of its folder', () => {
    const results = restrictedLines(cases.map((c) => c.fixture));
    cases.forEach((c, i) =>
      expect({ name: c.name, reported: results[i] }).toEqual({ name: c.name, reported: c.reported }),
    );
  });
});
