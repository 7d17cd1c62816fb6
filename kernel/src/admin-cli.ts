#!/usr/bin/env node
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PasswordHasher } from './auth/passwords.js';
import { Sessions } from './auth/sessions.js';
import { generatePassword, writeAdminPassword } from './bootstrap-admin.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config/config.js';
import { openDatabase } from './db/database.js';
import { migrateKernel } from './db/migrate.js';

const USAGE = `usage: npm run admin -- reset-password [--username NAME] [--password PASSWORD]

  reset-password   set a new password for the admin (default ADMIN_USERNAME); without
                   --password one is generated, printed and saved to DATA_DIR/admin-password.
                   Every session of that user ends. In embedded mode stop the server first.`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { username: { type: 'string' }, password: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals[0] !== 'reset-password') {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const username = values.username ?? config.adminUsername;
  if (values.password !== undefined && values.password.length < 8) {
    process.stderr.write('--password must be at least 8 characters\n');
    return 2;
  }
  const database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { pgliteDir: path.join(config.dataDir, 'pglite') });
  try {
    await migrateKernel(database.knex);
    const user = await database.knex('users').where({ username }).whereNull('deleted_at').first('id');
    if (!user) {
      process.stderr.write(`no user named ${username}\n`);
      return 1;
    }
    const password = values.password ?? generatePassword();
    const hasher = new PasswordHasher(config.passwordHashing);
    await database.knex.transaction(async (tx) => {
      await tx('users').where({ id: user.id }).update({ password_hash: await hasher.hash(password), must_change_password: false, updated_at: systemClock.now() });
      await new Sessions(systemClock, { rememberMs: 0, sessionMs: 0 }).revokeUser(tx, user.id, 'admin_cli_reset');
    });
    if (values.password === undefined) {
      const file = await writeAdminPassword(config.dataDir, password);
      process.stdout.write(`New password for ${username}: ${password}\n(saved to ${file})\n`);
    } else {
      process.stdout.write(`Password for ${username} was reset.\n`);
    }
    return 0;
  } finally {
    await database.close();
  }
}

main().then((code) => process.exit(code), (error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
