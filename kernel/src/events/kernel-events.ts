import { defineEvent } from '@paca/plugin-sdk';
import { Type } from '@sinclair/typebox';

// Events of kernel-owned state (D24). Payloads carry ids and what changed, not whole records:
// consumers that need more read it in their own transaction.

const Changes = Type.Array(Type.Object({ field: Type.String(), old: Type.Unknown(), new: Type.Unknown() }));
const Id = Type.String({ format: 'uuid' });
const PrincipalType = Type.Union([Type.Literal('user'), Type.Literal('agent')]);

export const ProjectCreated = defineEvent('project.created',
  Type.Object({ project_id: Id, name: Type.String(), task_id_prefix: Type.String() }), { clientAction: 'projects:read' });
export const ProjectUpdated = defineEvent('project.updated',
  Type.Object({ project_id: Id, version: Type.Integer(), changes: Changes }), { clientAction: 'projects:read' });
export const ProjectDeleted = defineEvent('project.deleted',
  Type.Object({ project_id: Id, name: Type.String() }), { clientAction: 'projects:read' });

const MemberPayload = {
  member_id: Id,
  principal_type: PrincipalType,
  principal_id: Id,
};
export const ProjectMemberAdded = defineEvent('project.member.added',
  Type.Object({ ...MemberPayload, role_ids: Type.Array(Id) }), { clientAction: 'project.members:read' });
export const ProjectMemberUpdated = defineEvent('project.member.updated',
  Type.Object({ ...MemberPayload, changes: Changes }), { clientAction: 'project.members:read' });
export const ProjectMemberRemoved = defineEvent('project.member.removed',
  Type.Object(MemberPayload), { clientAction: 'project.members:read' });
export const ProjectMemberRolesChanged = defineEvent('project.member.roles_changed',
  Type.Object({ ...MemberPayload, added: Type.Array(Id), removed: Type.Array(Id) }), { clientAction: 'project.members:read' });

const RolePayload = { role_id: Id, project_id: Type.Union([Id, Type.Null()]), name: Type.String() };
export const RoleCreated = defineEvent('role.created', Type.Object(RolePayload), { clientAction: 'roles:read' });
export const RoleUpdated = defineEvent('role.updated', Type.Object(RolePayload), { clientAction: 'roles:read' });
export const RoleDeleted = defineEvent('role.deleted', Type.Object(RolePayload), { clientAction: 'roles:read' });
export const RoleDefaultChanged = defineEvent('role.default_changed', Type.Object(RolePayload), { clientAction: 'roles:read' });

const UserPayload = { user_id: Id, username: Type.String() };
export const UserCreated = defineEvent('user.created', Type.Object(UserPayload), { clientAction: 'users:read' });
export const UserUpdated = defineEvent('user.updated', Type.Object({ ...UserPayload, changes: Changes }), { clientAction: 'users:read' });
export const UserPasswordReset = defineEvent('user.password_reset', Type.Object(UserPayload));
export const UserDeleted = defineEvent('user.deleted', Type.Object(UserPayload), { clientAction: 'users:read' });
export const UserRolesChanged = defineEvent('user.roles_changed',
  Type.Object({ ...UserPayload, added: Type.Array(Id), removed: Type.Array(Id) }), { clientAction: 'roles:read' });

// Agent principals (D14): project agents' events belong to their project, global agents' to the workspace.
const AgentPayload = { agent_id: Id, project_id: Type.Union([Id, Type.Null()]), handle: Type.String() };
export const AgentCreated = defineEvent('agent.created', Type.Object({ ...AgentPayload, name: Type.String() }), { clientAction: 'agents:read' });
export const AgentUpdated = defineEvent('agent.updated',
  Type.Object({ ...AgentPayload, version: Type.Integer(), changes: Changes }), { clientAction: 'agents:read' });
export const AgentDeleted = defineEvent('agent.deleted', Type.Object(AgentPayload), { clientAction: 'agents:read' });
export const AgentRolesChanged = defineEvent('agent.roles_changed',
  Type.Object({ ...AgentPayload, added: Type.Array(Id), removed: Type.Array(Id) }), { clientAction: 'roles:read' });

// Plugin lifecycle (D24): workspace-wide switches go to the workspace scope, per-project ones to the project.
// Everyone who can see a project learns its plugin set changed; workspace delivery is realtime's call (D26).
const PluginPayload = { plugin_id: Type.String(), project_id: Type.Union([Id, Type.Null()]), version: Type.String() };
export const PluginEnabled = defineEvent('plugin.enabled', Type.Object(PluginPayload), { clientAction: 'projects:read' });
export const PluginDisabled = defineEvent('plugin.disabled', Type.Object(PluginPayload), { clientAction: 'projects:read' });
export const PluginUninstalled = defineEvent('plugin.uninstalled',
  Type.Object({ plugin_id: Type.String(), version: Type.String(), purged: Type.Boolean() }), { clientAction: 'plugins:read' });

// A notification was created for one user (D26). Server-side only as an event: realtime pushes it
// to the recipient's `user:<id>` room as a `notification`, never to anyone else.
export const NotificationCreated = defineEvent('notification.created', Type.Object({
  recipient_user_id: Id,
  notification: Type.Object({
    id: Id, type: Type.String(), event_id: Type.Union([Type.Integer(), Type.Null()]), project_id: Type.Union([Id, Type.Null()]),
    actor: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    data: Type.Record(Type.String(), Type.Unknown()), created_at: Type.String(), read_at: Type.Null(),
  }),
}));
