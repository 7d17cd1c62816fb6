import { isOwnMembership, type PluginDb, type PrincipalRef, type ProjectMember } from '@paca/plugin-sdk';
import type { Task } from '../contract.js';
import { AgentTaskAssigned } from '../events.js';
import type { TasksContext } from '../plugin-context.js';

/**
 * What a new assignment sets off (reference 7.2): a human gets a `task.assigned` notification
 * (one per recipient per event id, D26), an agent gets `agent.task_assigned` for the agents
 * plugin. Nobody is told about assigning themselves. `eventId` is the `task.created` or
 * `task.updated` event of the same write.
 */
export async function announceAssignments(ctx: TasksContext, db: PluginDb, input: {
  task: Task; added: readonly ProjectMember[]; actor: PrincipalRef | null; eventId: number;
}): Promise<void> {
  const { task, actor } = input;
  for (const member of input.added) {
    if (isOwnMembership(member, actor)) continue;
    if (member.member_type === 'human' && member.user_id) {
      await ctx.notifications.notify(db, {
        recipientUserId: member.user_id, type: 'task.assigned', eventId: input.eventId, projectId: task.project_id, actor,
        data: { task_id: task.id, task_number: task.task_number, key: task.key, title: task.title },
      });
    } else if (member.member_type === 'agent' && member.agent_id) {
      await ctx.events.emit(db, AgentTaskAssigned, {
        projectId: task.project_id, actor,
        payload: { agent_id: member.agent_id, member_id: member.id, task_id: task.id, task_number: task.task_number },
      });
    }
  }
}
