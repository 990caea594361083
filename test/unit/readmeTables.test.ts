/**
 * The README's reference tables cannot drift from the code: its configuration table names exactly
 * the variables `loadConfig` reads, and its tempctl table exactly the commands `tempctl` registers,
 * each with options that command has (as sqlite-utils checks its docs against its CLI).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { buildProgram } from '../../cli/main';

const README = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

/** The first cell of each row of the table under the heading `## <title>`, as written in markdown. */
function firstCells(title: string): string[] {
  const section = README.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  if (section === undefined) throw new Error(`README has no "## ${title}" section`);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map(
      (line) =>
        line
          .slice(1)
          .split(/(?<!\\)\|/)[0]
          ?.trim() ?? '',
    );
}

/** Every variable name `loadConfig` looks up, found by handing it an environment that records reads. */
function variablesRead(): Set<string> {
  const read = new Set<string>();
  // A partner API URL and key make it read the API's own settings too.
  const values: Record<string, string> = { SENSOR_API_URL: 'http://127.0.0.1:9/', SENSOR_API_KEY: 'k' };
  const env = new Proxy(values, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return typeof name === 'string' ? target[name] : undefined;
    },
  });
  loadConfig(env);
  return read;
}

/** Leaf commands by their path ("schedule apply"), with their long options. */
function registeredCommands(): Map<string, string[]> {
  const leaves = new Map<string, string[]>();
  const visit = (command: Command, prefix: string[]) => {
    for (const sub of command.commands) {
      const route = [...prefix, sub.name()];
      if (sub.commands.length === 0)
        leaves.set(
          route.join(' '),
          sub.options.map((o) => o.long ?? ''),
        );
      else visit(sub, route);
    }
  };
  visit(buildProgram(), []);
  return leaves;
}

/**
 * The commands a tempctl row documents, with the options written after each: "`schedule apply \|
 * describe`" is two commands, "`backup verify [--from H]`, `restore --from <f>`" two others.
 */
function documentedCommands(): Map<string, string[]> {
  const documented = new Map<string, string[]>();
  for (const cell of firstCells('tempctl')) {
    for (const [, usage] of cell.matchAll(/`([^`]+)`/g)) {
      const [first = '', ...alternatives] = (usage ?? '').split(' \\| ');
      // The command's path: the words before its first option or argument.
      const route: string[] = [];
      for (const word of first.split(' ')) {
        if (!/^[a-z][a-z0-9-]*$/.test(word)) break;
        route.push(word);
      }
      const options = [...first.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);
      documented.set(route.join(' '), options);
      for (const alternative of alternatives)
        documented.set([...route.slice(0, -1), alternative.trim()].join(' '), []);
    }
  }
  return documented;
}

test('the configuration table lists exactly the variables the configuration module reads', () => {
  const documented = firstCells('Configuration').flatMap((cell) =>
    [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]),
  );
  expect([...new Set(documented)].sort()).toEqual([...variablesRead()].sort());
});

test('the tempctl table lists exactly the commands tempctl registers', () => {
  expect([...documentedCommands().keys()].sort()).toEqual([...registeredCommands().keys()].sort());
});

test('each option the tempctl table shows is an option of its command', () => {
  const registered = registeredCommands();
  for (const [command, options] of documentedCommands()) {
    for (const option of options)
      expect({ command, option, known: registered.get(command)?.includes(option) }).toEqual({
        command,
        option,
        known: true,
      });
  }
});
