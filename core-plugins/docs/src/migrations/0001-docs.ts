import type { PluginMigration } from '@paca/plugin-sdk';
import type { Knex } from 'knex';

/**
 * The docs schema (reference 1.8), in `plugin_docs`. Every row carries `project_id`; there are no
 * foreign keys to kernel tables. Documents are Markdown (D1). Names and titles are unique per
 * parent case-insensitively among live rows (D30): the partial unique indexes are the backstop
 * behind the checks the routes make. Timestamps come from the kernel clock (D11).
 */
export const createDocsSchema: PluginMigration = {
  async up(knex) {
    const author = (t: Knex.CreateTableBuilder, role: 'created_by' | 'updated_by') => {
      t.text(`${role}_type`);
      t.uuid(`${role}_id`);
    };
    const timestamps = (t: Knex.CreateTableBuilder) => {
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    };

    await knex.schema.createTable('doc_folders', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      /** Null = at the project's root. */
      t.uuid('parent_id');
      t.text('name').notNullable();
      t.integer('position').notNullable();
      t.integer('version').notNullable().defaultTo(1);
      author(t, 'created_by');
      timestamps(t);
      t.timestamp('deleted_at', { useTz: true });
    });
    await knex.raw('CREATE UNIQUE INDEX doc_folders_name ON doc_folders (project_id, parent_id, lower(name)) NULLS NOT DISTINCT WHERE deleted_at IS NULL');

    await knex.schema.createTable('documents', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      /** Null = at the project's root. */
      t.uuid('folder_id');
      t.text('title').notNullable();
      t.text('content').notNullable().defaultTo('');
      t.integer('position').notNullable();
      t.integer('version').notNullable().defaultTo(1);
      /** The latest snapshot's number; the next one is this plus one, so numbers are never reused. */
      t.integer('snapshot_number').notNullable();
      author(t, 'created_by');
      author(t, 'updated_by');
      timestamps(t);
      t.timestamp('deleted_at', { useTz: true });
    });
    await knex.raw('CREATE UNIQUE INDEX documents_title ON documents (project_id, folder_id, lower(title)) NULLS NOT DISTINCT WHERE deleted_at IS NULL');
    await knex.raw('CREATE INDEX documents_live ON documents (project_id, position, title, id) WHERE deleted_at IS NULL');
    // Search: case-insensitive substring over title and body (D30), pg_trgm (created by the kernel, D11) on both backends.
    // fastupdate off: entries go straight into the index instead of a pending list. PGlite has no
    // autovacuum to merge that list, and with a long one the planner prices the index out and
    // every search reads every body (measured: 300–500 ms instead of 3–7 ms over 10,000 docs).
    await knex.raw('CREATE INDEX documents_title_trgm ON documents USING gin (lower(title) gin_trgm_ops) WITH (fastupdate = off)');
    await knex.raw('CREATE INDEX documents_content_trgm ON documents USING gin (lower(content) gin_trgm_ops) WITH (fastupdate = off)');

    await knex.schema.createTable('doc_snapshots', (t) => {
      t.uuid('id').primary();
      t.uuid('document_id').notNullable();
      t.uuid('project_id').notNullable();
      t.integer('snapshot_number').notNullable();
      t.text('title').notNullable();
      t.text('content').notNullable();
      /** The snapshot this one restored, or null for an ordinary save. */
      t.integer('restored_from');
      author(t, 'created_by');
      timestamps(t);
      t.unique(['document_id', 'snapshot_number']);
    });

    await knex.schema.createTable('doc_files', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      t.uuid('document_id').notNullable();
      t.text('storage_key').notNullable().unique();
      t.text('file_name').notNullable();
      t.text('content_type').notNullable();
      t.bigInteger('file_size').notNullable();
      t.text('status').notNullable();
      author(t, 'created_by');
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.index(['document_id', 'created_at']);
      t.check("status IN ('pending', 'complete')");
    });
  },
  async down(knex) {
    for (const table of ['doc_files', 'doc_snapshots', 'documents', 'doc_folders']) await knex.schema.dropTableIfExists(table);
  },
};
