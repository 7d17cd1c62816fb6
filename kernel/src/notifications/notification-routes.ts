import { Type } from '@sinclair/typebox';
import { defineError } from '@paca/plugin-sdk';
import { affectedRows } from '../db/database.js';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, StrictObject, Uuid } from '../http/schemas.js';
import type { KernelServices } from '../services.js';
import { notificationView, type NotificationRow } from './notification-view.js';

export const NotificationNotFound = defineError('NOTIFICATION_NOT_FOUND', 404, 'notification not found');

/** Your notifications (D26): newest first, cursor-paged, read one or all. */
export function registerNotificationRoutes(router: Router, services: Pick<KernelServices, 'clock'>): void {
  const { clock } = services;

  router.route({
    method: 'GET', url: '/users/me/notifications', summary: 'Your notifications, newest first', tags: ['notifications'],
    access: { kind: 'authenticated' },
    querystring: StrictObject({ ...CursorQuery, unread_only: Type.Optional(Type.Boolean()) }),
    async handler({ db, principal, query }) {
      const base = db('notifications').where({ recipient_user_id: principal!.id }).select('*');
      if (query.unread_only) base.whereNull('read_at');
      const page = await cursorPage<NotificationRow>(base, { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'created_at', idColumn: 'id', order: 'desc' });
      const unread = await db('notifications').where({ recipient_user_id: principal!.id }).whereNull('read_at').count({ n: '*' }).first();
      return { items: page.items.map(notificationView), next_cursor: page.next_cursor, unread_count: Number(unread?.n ?? 0) };
    },
  });

  router.route({
    method: 'PATCH', url: '/users/me/notifications/:notificationId/read', summary: 'Mark one notification read', tags: ['notifications'],
    access: { kind: 'authenticated' }, params: StrictObject({ notificationId: Uuid }),
    async handler({ db, principal, params }) {
      const row = await db('notifications').where({ id: params.notificationId, recipient_user_id: principal!.id }).first<NotificationRow>();
      if (!row) throw NotificationNotFound({});
      if (!row.read_at) {
        row.read_at = clock.now();
        await db('notifications').where({ id: row.id }).update({ read_at: row.read_at });
      }
      return notificationView(row);
    },
  });

  router.route({
    method: 'POST', url: '/users/me/notifications/read-all', summary: 'Mark all your notifications read', tags: ['notifications'],
    access: { kind: 'authenticated' },
    async handler({ db, principal }) {
      const updated = await db('notifications').where({ recipient_user_id: principal!.id }).whereNull('read_at').update({ read_at: clock.now() });
      return { updated: affectedRows(updated) };
    },
  });
}
