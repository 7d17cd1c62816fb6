// A native plugin in plain JavaScript, loaded from DATA_DIR/plugins like any installed plugin. It
// cannot import @paca/plugin-sdk from there, so it exports the shape definePlugin() returns and
// names the kernel services by their ref ids.
import { randomUUID } from 'node:crypto';

const ref = (id) => ({ id, kind: 'service' });

export default {
  $$type: '@paca/plugin',
  migrations: {
    '0001-notes': {
      async up(knex) {
        await knex.schema.createTable('notes', (t) => {
          t.uuid('id').primary();
          t.uuid('project_id').notNullable();
          t.text('text').notNullable();
          t.timestamp('created_at', { useTz: true }).notNullable();
          t.index(['project_id', 'created_at']);
        });
      },
    },
  },
  register(env) {
    env.init({
      deps: { routes: ref('kernel.routes'), clock: ref('kernel.clock') },
      init({ routes, clock }) {
        routes.handle('notes.list', async ({ db, projectId, query }) => ({
          items: await db('notes').where({ project_id: projectId }).orderBy('created_at', 'desc').limit(query.limit ?? 20).select('id', 'text', 'created_at'),
        }));
        routes.handle('notes.create', async ({ db, projectId, body }) => {
          const note = { id: randomUUID(), project_id: projectId, text: body.text, created_at: clock.now() };
          await db('notes').insert(note);
          return note;
        });
      },
    });
  },
};
