import type { Knex } from 'knex';
import type { EventConsumer } from '../events/consumer-host.js';
import { ProjectMemberAdded } from '../events/kernel-events.js';
import type { StoredEvent } from '../events/stored-event.js';
import type { NotificationService } from './notification-service.js';

/** The kernel's own notifications: "you were added to a project". Plugins add theirs the same way. */
export function kernelNotificationConsumer(notifications: NotificationService): EventConsumer {
  return {
    name: 'kernel.notifications',
    types: [ProjectMemberAdded.name],
    async handle(tx: Knex.Transaction, event: StoredEvent) {
      const payload = event.payload as { principal_type: string; principal_id: string; role_ids: string[] };
      if (payload.principal_type !== 'user' || !event.project_id) return;
      if (event.actor?.type === 'user' && event.actor.id === payload.principal_id) return; // you added yourself
      const project = await tx('projects').where({ id: event.project_id }).first('name', 'task_id_prefix');
      if (!project) return;
      const roles = payload.role_ids.length === 0 ? [] : await tx('roles').whereIn('id', payload.role_ids).orderBy('name').pluck('name');
      await notifications.notify(tx, {
        recipientUserId: payload.principal_id,
        type: 'project.member.added',
        eventId: event.id,
        projectId: event.project_id,
        actor: event.actor,
        occurredAt: new Date(event.occurred_at),
        data: { project_name: project.name, task_id_prefix: project.task_id_prefix, roles },
      });
    },
  };
}
