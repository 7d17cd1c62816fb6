import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/test-database.js';
import { KERNEL_MIGRATION_NAMES, migrateKernel } from './migrate.js';

describe('kernel migrations', () => {
  it('are recorded and run once each; pg_trgm is available', async () => {
    const { database, dispose } = await createTestDatabase();
    try {
      const knex = database.knex;
      const recorded = await knex('kernel_migrations').pluck('name');
      expect(recorded).toEqual(KERNEL_MIGRATION_NAMES);
      expect(recorded[0]).toBe('0001-identity-iam-projects');
      expect(await migrateKernel(knex)).toEqual([]);
      expect(await knex('kernel_migrations').pluck('name')).toEqual(recorded);
      const extension = await knex('pg_extension').where({ extname: 'pg_trgm' }).first('extname');
      expect(extension?.extname).toBe('pg_trgm');
      const similarity = await knex.raw("SELECT similarity('paca', 'pacas') > 0.5 AS close");
      expect(similarity.rows[0].close).toBe(true);
    } finally {
      await database.close();
      await dispose();
    }
  });
});
