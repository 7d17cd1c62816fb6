import { randomUUID } from 'node:crypto';
import {
  coreServices, defineError, defineEvent, definePlugin,
  type PluginClock, type PluginDb, type PluginEvents, type ProjectRef, type RouteRequest,
} from '@paca/plugin-sdk';
import { Type } from '@sinclair/typebox';

/*
 * Hello: a message board per project, the example plugin of @paca/plugin-sdk. `plugin.json`
 * declares everything the kernel decides on (actions, role grants, routes and their schemas, the
 * event, the subscription, the migration, the MCP tool); this module binds code to those names.
 */

/** Emitted when someone posts; a socket needs `hello:read` in the project to receive it live. */
export const MessagePosted = defineEvent('hello.message_posted',
  Type.Object({ message_id: Type.String({ format: 'uuid' }), text: Type.String() }),
  { clientAction: 'hello:read' });

export const InvalidCursor = defineError('HELLO_INVALID_CURSOR', 422, 'cursor is not one this list returned');

interface MessageRow {
  id: string;
  project_id: string;
  text: string;
  author_type: 'user' | 'agent' | null;
  author_id: string | null;
  created_at: Date;
}

type ProjectParams = { projectId: string };

const messageView = (row: MessageRow) => ({
  id: row.id,
  text: row.text,
  author: row.author_type && row.author_id ? { type: row.author_type, id: row.author_id } : null,
  created_at: new Date(row.created_at).toISOString(),
});

const newMessage = (projectId: string, text: string, now: Date, author: { type: 'user' | 'agent'; id: string } | null = null): MessageRow => ({
  id: randomUUID(), project_id: projectId, text, author_type: author?.type ?? null, author_id: author?.id ?? null, created_at: now,
});

// Keyset cursor over (created_at, id), the D3 list shape `{items, next_cursor}`.
const encodeCursor = (row: MessageRow) => Buffer.from(JSON.stringify([new Date(row.created_at).getTime(), row.id])).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (Number.isSafeInteger(at) && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) return { at: new Date(at as number), id };
  } catch {
    // a coded error below
  }
  throw InvalidCursor({});
}

async function listMessages({ db, params, query }: RouteRequest<ProjectParams, { limit: number; cursor?: string }>) {
  const rows = db('messages').where({ project_id: params.projectId });
  if (query.cursor) {
    const { at, id } = decodeCursor(query.cursor);
    rows.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [at.toISOString(), id]);
  }
  const page = (await rows.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(query.limit + 1)) as MessageRow[];
  const items = page.slice(0, query.limit);
  const last = items.at(-1);
  return { items: items.map(messageView), next_cursor: page.length > query.limit && last ? encodeCursor(last) : null };
}

const postMessage = ({ events, clock }: { events: PluginEvents; clock: PluginClock }) =>
  async ({ db, params, body, principal }: RouteRequest<ProjectParams, unknown, { text: string }>) => {
    // `db` is this request's transaction: the row and the event commit together or not at all.
    const row = newMessage(params.projectId, body.text, clock.now(), principal);
    await db('messages').insert(row);
    await events.emit(db, MessagePosted, { projectId: params.projectId, actor: principal, payload: { message_id: row.id, text: row.text } });
    return messageView(row);
  };

export default definePlugin({
  migrations: {
    // Runs once, in the schema plugin_hello: the unqualified name lands there.
    '0001-messages': {
      up: (knex) => knex.schema.createTable('messages', (t) => {
        t.uuid('id').primary();
        t.uuid('project_id').notNullable();
        t.text('text').notNullable();
        t.text('author_type');
        t.uuid('author_id');
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.index(['project_id', 'created_at', 'id']);
      }),
      down: (knex) => knex.schema.dropTable('messages'),
    },
  },
  register(env) {
    env.init({
      deps: { routes: coreServices.routes, events: coreServices.events, hooks: coreServices.hooks, clock: coreServices.clock },
      async init({ routes, events, hooks, clock }) {
        routes.handle('hello.messages.list', listMessages);
        routes.handle('hello.messages.create', postMessage({ events, clock }));

        // New projects get the welcome inside their create transaction; existing ones when Hello first reaches them.
        const welcome = async (db: PluginDb, project: ProjectRef) => {
          await db('messages').insert(newMessage(project.id, `Welcome to ${project.name}!`, clock.now()));
        };
        hooks.onProjectCreated(welcome);
        hooks.onProjectEnabled(welcome);

        // Effect and consumer cursor commit in one transaction: each event is applied once.
        events.subscribe('welcome-members', async (db, event) => {
          if (!event.projectId) return;
          await db('messages').insert(newMessage(event.projectId, 'A new member joined the project.', clock.now()));
        });
      },
    });
  },
});
