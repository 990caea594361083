/**
 * `tempctl answer --hour H`: prints a source's answer for an hour exactly as it was stored in the
 * landing store before it was judged, so an answer the pipeline refused (NDJSON, text after the
 * array…) can be read and sent to the partner. `--list` lists every answer stored for the hour.
 */
import type { Command } from 'commander';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../../config';
import { openObjectStore } from '../../adapters/objectStore';
import { bindObjectStore } from '../../adapters/db/storeIdentity';
import { storedAnswers } from '../../adapters/db/landing';
import { formatHour, parseHour } from '../../core/importHour';
import { PARTNER_API_SOURCE } from '../../core/policies';
import { withDatabase } from '../context';

export function registerAnswerCommand(program: Command): void {
  program
    .command('answer')
    .description(
      "print a source's answer for an hour as stored before it was judged (the newest; --list: all)",
    )
    .requiredOption('--hour <hour>', 'the import hour, ISO 8601')
    .option('--source <name>', 'the source', PARTNER_API_SOURCE)
    .option('--list', 'list the stored answers (key, when received, size) instead')
    .action((options: { hour: string; source: string; list?: boolean }) =>
      withDatabase(async (db) => {
        const hour = parseHour(options.hour);
        const answers = await storedAnswers(db, options.source, hour);
        if (answers.length === 0) {
          process.exitCode = 1;
          console.error(`tempctl: no answer of ${options.source} is stored for ${formatHour(hour)}`);
          return;
        }
        if (options.list === true) {
          for (const a of answers)
            console.log(`${a.fetchedAt.toISOString()}  ${a.bytes} bytes  ${a.batchKey}  ${a.objectKey}`);
          return;
        }
        const store = await bindObjectStore(
          db,
          openObjectStore(loadConfig().landingStoreUrl, loadConfig().s3),
        );
        await pipeline(await store.openRead(answers[0]!.objectKey), process.stdout, { end: false });
      }, 'reading the stored answers'),
    );
}
