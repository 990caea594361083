/** `tempctl roles apply`: the least-privilege PostgreSQL roles (adapters/db/roles.ts). */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { ConfigError } from '../../core/errors';
import { applyRoles } from '../../adapters/db/roles';
import { withDatabase } from '../context';

export function registerRolesCommands(program: Command): void {
  program
    .command('roles')
    .description(
      "least-privilege PostgreSQL roles: migrate (owner), worker (an import's writes), analyst (read-only)",
    )
    .command('apply')
    .description(
      'create or update the three roles and their grants (run as an administrator after migrate; idempotent); ' +
        'DATABASE_{MIGRATE,WORKER,ANALYST}_PASSWORD give a role LOGIN and that password',
    )
    .action(async () => {
      const config = loadConfig();
      if (config.database.url === undefined)
        throw new ConfigError(
          'DATABASE_URL',
          'roles need PostgreSQL (the embedded PGlite has a single user)',
        );
      const done = await withDatabase((db) => applyRoles(db, config.rolePasswords));
      for (const line of done) console.log(line);
    });
}
