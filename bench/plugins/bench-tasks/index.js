// Bench support for the tasks plugin, in plain JavaScript like bench-notes (loaded from
// DATA_DIR/plugins, so it exports the shape definePlugin() returns and names kernel services by id).
//
// - `tasks.seed` fills a project with `count` tasks in one INSERT … SELECT generate_series straight
//   into plugin_tasks (statuses round-robin, every other task assigned to a member, the project's
//   task counter moved past them), so a 10,000-task project takes a second, not 10,000 requests.
// - `tasks.sql` is the raw SQL read measured beside GET /tasks: the same caller, gate and page of
//   rows in the same order, as one SELECT with none of the tasks plugin's work (assignees, keys,
//   filters, cursor).

const ref = (id) => ({ id, kind: 'service' });

const TASK_COLUMNS = `id, project_id, task_number, task_type_id, status_id, sprint_id, parent_task_id, title, description,
  importance, story_points, reporter_id, custom_fields, tags, start_date::text AS start_date, due_date::text AS due_date,
  assignment_mode, version, created_by_type, created_by_id, created_at, updated_at`;

const DESCRIPTION = '## Context\n\nA seeded task of the benchmark project, with a **Markdown** description about as long as a short real one.\n\n- [ ] first step\n- [ ] second step\n';

export default {
  $$type: '@paca/plugin',
  register(env) {
    env.init({
      deps: { routes: ref('kernel.routes'), clock: ref('kernel.clock') },
      init({ routes, clock }) {
        routes.handle('tasks.seed', async ({ db, projectId, principal, body }) => {
          const now = clock.now();
          const statuses = (await db.raw('SELECT id FROM plugin_tasks.task_statuses WHERE project_id = ? ORDER BY position', [projectId])).rows.map((r) => r.id);
          const type = (await db.raw('SELECT id FROM plugin_tasks.task_types WHERE project_id = ? AND is_default', [projectId])).rows[0];
          if (statuses.length === 0 || !type) throw new Error(`project ${projectId} has no seeded statuses or default type`);
          // Numbers after the project's last one, and the counter moved past them, as POST /tasks would leave it.
          const counter = await db.raw(`INSERT INTO plugin_tasks.task_counters (project_id, last_value) VALUES (?, 0)
            ON CONFLICT (project_id) DO UPDATE SET last_value = plugin_tasks.task_counters.last_value RETURNING last_value`, [projectId]);
          const first = counter.rows[0].last_value + 1;
          const last = first + body.count - 1;
          await db.raw(`INSERT INTO plugin_tasks.tasks (id, project_id, task_number, task_type_id, status_id, title, description, importance,
              tags, custom_fields, assignment_mode, version, created_by_type, created_by_id, created_at, updated_at)
            SELECT gen_random_uuid(), ?, n, ?, (?::uuid[])[1 + n % ?], 'Bench task ' || n, ?, n % 7 - 3,
              '["bench"]'::jsonb, '{}'::jsonb, 'manual', 1, ?, ?, ?, ?
            FROM generate_series(?::int, ?::int) AS n`,
          [projectId, type.id, statuses, statuses.length, DESCRIPTION, principal.type, principal.id, now, now, first, last]);
          if (body.assignee_member_id) {
            await db.raw(`INSERT INTO plugin_tasks.task_assignees (task_id, member_id, project_id, assigned_at)
              SELECT id, ?, project_id, ? FROM plugin_tasks.tasks WHERE project_id = ? AND task_number BETWEEN ? AND ? AND task_number % 2 = 0`,
            [body.assignee_member_id, now, projectId, first, last]);
          }
          await db.raw('UPDATE plugin_tasks.task_counters SET last_value = ? WHERE project_id = ?', [last, projectId]);
          // What autovacuum would do soon after a bulk load: plans as for a project that grew to this size.
          await db.raw('ANALYZE plugin_tasks.tasks');
          await db.raw('ANALYZE plugin_tasks.task_assignees');
          return { first_task_number: first, last_task_number: last, status_ids: statuses };
        });

        routes.handle('tasks.sql', async ({ db, projectId, query }) => ({
          items: (await db.raw(`SELECT ${TASK_COLUMNS} FROM plugin_tasks.tasks WHERE project_id = ? AND deleted_at IS NULL
            ORDER BY task_number LIMIT ?`, [projectId, query.limit])).rows,
        }));
      },
    });
  },
};
