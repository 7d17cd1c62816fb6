import type { McpTool } from '@paca/plugin-sdk';
import { HANDLE_PATTERN } from '../agents/agent-view.js';
import { POLICY_VERSION } from '../iam/policy.js';
import { PREFIX_PATTERN } from '../projects/task-id-prefix.js';
import { declareTools } from './tool-catalogue.js';

/*
 * The kernel's own MCP tools (D31): projects, members, roles and project agents, in the format
 * plugins use. Names follow the reference's tools (paca-features 6.2) where one exists. Argument
 * schemas mirror the REST schemas of the routes they map to, so a bad argument is refused with
 * its own name before the route runs.
 */

// ---- argument schemas -------------------------------------------------------------------------

const uuid = (description: string) => ({ type: 'string', format: 'uuid', description });

/** Resolved by the kernel (D31): id first, then prefix, then name. */
const projectId = {
  type: 'string', minLength: 1, maxLength: 120,
  description: 'The project: its id (UUID), its task ID prefix (e.g. PACA) or its exact name.',
};

const cursor = { type: 'string', maxLength: 512, description: 'next_cursor from the previous page; omit for the first page.' };
const cursorPageSize = { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Items per page (1–200, default 50).' };

const version = { type: 'integer', minimum: 1, description: 'Apply only if the current version is this one (409 otherwise). Omit to overwrite.' };

const projectName = { type: 'string', minLength: 1, maxLength: 120, pattern: '\\S', description: 'Project name, unique case-insensitively.' };
const taskIdPrefix = { type: 'string', pattern: PREFIX_PATTERN, description: 'Task ID prefix: 2–10 uppercase letters and digits, starting with a letter (e.g. PACA).' };
const isPublic = { type: 'boolean', description: 'Whether anyone, signed in or not, may read the project.' };
const settingsObject = { type: 'object', maxProperties: 200, description: 'Free-form project settings (JSON object).' };

const roleIds = {
  type: 'array', minItems: 1, maxItems: 20, items: uuid('Role id (UUID)'),
  description: 'Project role ids (UUIDs; see list_project_roles). You can only grant what you hold.',
};
const memberId = uuid('Member id (UUID) from list_project_members — not the user id.');

const roleName = { type: 'string', minLength: 1, maxLength: 64, pattern: '\\S', description: 'Role name.' };
const roleDescription = { type: 'string', maxLength: 500, description: 'What the role is for.' };
const policy = {
  type: 'object', additionalProperties: false, required: ['version', 'statements'],
  description: 'IAM policy. Statements grant (Allow) or refuse (Deny) actions on resources; Deny wins.',
  properties: {
    version: { type: 'string', const: POLICY_VERSION, description: `Policy language version: always "${POLICY_VERSION}".` },
    statements: {
      type: 'array', maxItems: 50,
      items: {
        type: 'object', additionalProperties: false, required: ['effect', 'actions', 'resources'],
        properties: {
          sid: { type: 'string', maxLength: 128, description: 'Optional statement label.' },
          effect: { type: 'string', enum: ['Allow', 'Deny'] },
          actions: {
            type: 'array', minItems: 1, maxItems: 100, uniqueItems: true,
            items: { type: 'string', minLength: 1, maxLength: 128 },
            description: 'Actions: domain:verb, domain:* or *.',
          },
          resources: {
            type: 'array', minItems: 1, maxItems: 100, uniqueItems: true,
            items: { type: 'string', minLength: 1, maxLength: 512 },
            description: 'project/<project UUID> or a path under it (project/<UUID>/task/*); * is not allowed in a project role.',
          },
        },
      },
    },
  },
};

const agentHandle = { type: 'string', pattern: HANDLE_PATTERN, description: 'Handle: 3–32 of a-z 0-9 _ . -, unique across users and agents.' };
const agentName = { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S', description: 'Display name.' };
const agentDescription = { type: 'string', maxLength: 2000, description: 'What the agent does.' };
const avatarUrl = { type: ['string', 'null'], format: 'uri', maxLength: 2000, description: 'Avatar image URL; null clears.' };
const agentId = uuid('Agent id (UUID).');

/** An object schema: camelCase properties, unknown ones refused. */
function input(properties: Record<string, unknown>, required: string[] = []) {
  return { type: 'object', properties, required, additionalProperties: false };
}

const inPath = (name: string) => ({ in: 'path' as const, name });
const inQuery = (name: string) => ({ in: 'query' as const, name });
const inBody = (name: string) => ({ in: 'body' as const, name });

const READ = { readOnlyHint: true };
const CREATE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false };
const UPDATE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true };
const DELETE = { readOnlyHint: false, destructiveHint: true, idempotentHint: true };

// ---- tools ------------------------------------------------------------------------------------

export const KERNEL_TOOLS: McpTool[] = declareTools([
  // Projects
  {
    name: 'list_projects', title: 'List projects', toolset: 'projects', route: 'projects.list', annotations: READ,
    description: 'Projects you can read, with id, name, task ID prefix and visibility. Page-numbered: returns items, page, page_size and total.',
    input_schema: input({
      search: { type: 'string', maxLength: 200, description: 'Only projects whose name contains this text (case-insensitive).' },
      sort: { type: 'string', pattern: '^-?(name|created_at|updated_at|task_id_prefix)$', description: 'name, created_at (default), updated_at or task_id_prefix; prefix - for descending.' },
      page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1, description: 'Page number, from 1.' },
      pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Items per page (1–100, default 20).' },
    }),
    args: { search: inQuery('search'), sort: inQuery('sort'), page: inQuery('page'), pageSize: inQuery('page_size') },
  },
  {
    name: 'get_project', title: 'Get project', toolset: 'projects', route: 'projects.get', annotations: READ,
    description: 'One project: id, name, description, task ID prefix, visibility, settings and version. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId }, ['projectId']),
    args: { projectId: inPath('projectId') },
  },
  {
    name: 'create_project', title: 'Create project', toolset: 'projects', route: 'projects.create', annotations: CREATE,
    description: 'Create a project; you become its Admin. Without taskIdPrefix one is derived from the name (My First Project → MFP). Names and prefixes must be unused (409 otherwise).',
    input_schema: input({
      name: projectName,
      description: { type: 'string', maxLength: 10_000, description: 'Project description (Markdown).' },
      taskIdPrefix, isPublic, settings: settingsObject,
    }, ['name']),
    args: { name: inBody('name'), description: inBody('description'), taskIdPrefix: inBody('task_id_prefix'), isPublic: inBody('is_public'), settings: inBody('settings') },
  },
  {
    name: 'update_project', title: 'Update project', toolset: 'projects', route: 'projects.update', annotations: UPDATE,
    description: 'Change a project\'s name, description, task ID prefix, visibility or settings; omitted fields stay, null clears description or settings. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({
      projectId,
      name: projectName,
      description: { type: ['string', 'null'], maxLength: 10_000, description: 'Project description (Markdown); null clears.' },
      taskIdPrefix, isPublic,
      settings: { ...settingsObject, type: ['object', 'null'], description: 'Replaces all settings (JSON object); null clears.' },
      version,
    }, ['projectId']),
    args: {
      projectId: inPath('projectId'), name: inBody('name'), description: inBody('description'), taskIdPrefix: inBody('task_id_prefix'),
      isPublic: inBody('is_public'), settings: inBody('settings'), version: inBody('version'),
    },
  },
  {
    name: 'delete_project', title: 'Delete project', toolset: 'projects', route: 'projects.delete', annotations: DELETE,
    description: 'Delete a project (soft: it disappears with its contents; its name and prefix become free). projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId }, ['projectId']),
    args: { projectId: inPath('projectId') },
  },

  // Members
  {
    name: 'list_project_members', title: 'List project members', toolset: 'members', route: 'members.list', annotations: READ,
    description: 'Members of a project, users and agents: member id, user id or agent id, description and roles. Cursor-paged: pass next_cursor back as cursor. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, cursor, pageSize: cursorPageSize }, ['projectId']),
    args: { projectId: inPath('projectId'), cursor: inQuery('cursor'), pageSize: inQuery('page_size') },
  },
  {
    name: 'add_project_member', title: 'Add project member', toolset: 'members', route: 'members.add', annotations: CREATE,
    description: 'Add a user (userId) or an agent (agentId), exactly one, to a project with one or more project roles. Ids are UUIDs. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({
      projectId,
      userId: uuid('User id (UUID). Send this or agentId.'),
      agentId: uuid('Agent id (UUID). Send this or userId.'),
      roleIds,
      description: { type: 'string', maxLength: 2000, description: 'The member\'s part in the project.' },
    }, ['projectId', 'roleIds']),
    args: { projectId: inPath('projectId'), userId: inBody('user_id'), agentId: inBody('agent_id'), roleIds: inBody('role_ids'), description: inBody('description') },
  },
  {
    name: 'get_my_project_permissions', title: 'Get my project permissions', toolset: 'members', route: 'members.my_permissions', annotations: READ,
    description: 'The IAM actions you hold in a project (e.g. tasks:write). projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId }, ['projectId']),
    args: { projectId: inPath('projectId') },
  },
  {
    name: 'update_project_member', title: 'Update project member', toolset: 'members', route: 'members.update', annotations: UPDATE,
    description: 'Set a member\'s description (their part in the project). memberId is the member id (UUID) from list_project_members. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({
      projectId, memberId,
      description: { type: 'string', maxLength: 2000, description: 'The member\'s part in the project; empty clears.' },
    }, ['projectId', 'memberId', 'description']),
    args: { projectId: inPath('projectId'), memberId: inPath('memberId'), description: inBody('description') },
  },
  {
    name: 'update_project_member_role', title: 'Set project member roles', toolset: 'members', route: 'members.roles.replace', annotations: UPDATE,
    description: 'Replace a member\'s project roles with roleIds (roles not listed are removed). memberId is the member id (UUID) from list_project_members. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, memberId, roleIds }, ['projectId', 'memberId', 'roleIds']),
    args: { projectId: inPath('projectId'), memberId: inPath('memberId'), roleIds: inBody('role_ids') },
  },
  {
    name: 'remove_project_member', title: 'Remove project member', toolset: 'members', route: 'members.remove', annotations: DELETE,
    description: 'Remove a member and their project roles. The last member with full access cannot be removed. memberId is the member id (UUID) from list_project_members. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, memberId }, ['projectId', 'memberId']),
    args: { projectId: inPath('projectId'), memberId: inPath('memberId') },
  },

  // Roles
  {
    name: 'list_project_roles', title: 'List project roles', toolset: 'roles', route: 'roles.project.list', annotations: READ,
    description: 'A project\'s roles, built-in and custom, with their policies. Cursor-paged: pass next_cursor back as cursor. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, cursor, pageSize: cursorPageSize }, ['projectId']),
    args: { projectId: inPath('projectId'), cursor: inQuery('cursor'), pageSize: inQuery('page_size') },
  },
  {
    name: 'get_project_role', title: 'Get project role', toolset: 'roles', route: 'roles.project.get', annotations: READ,
    description: 'One project role with its policy. roleId is a UUID. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, roleId: uuid('Role id (UUID).') }, ['projectId', 'roleId']),
    args: { projectId: inPath('projectId'), roleId: inPath('roleId') },
  },
  {
    name: 'create_project_role', title: 'Create project role', toolset: 'roles', route: 'roles.project.create', annotations: CREATE,
    description: 'Create a project role from an IAM policy. Resources must be project/<project UUID> or under it; you can only grant actions you hold. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, name: roleName, description: roleDescription, policy }, ['projectId', 'name', 'policy']),
    args: { projectId: inPath('projectId'), name: inBody('name'), description: inBody('description'), policy: inBody('policy') },
  },
  {
    name: 'update_project_role', title: 'Update project role', toolset: 'roles', route: 'roles.project.replace', annotations: UPDATE,
    description: 'Replace a project role: send its full name, description and policy (read it with get_project_role first). roleId is a UUID. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, roleId: uuid('Role id (UUID).'), name: roleName, description: roleDescription, policy }, ['projectId', 'roleId', 'name', 'description', 'policy']),
    args: { projectId: inPath('projectId'), roleId: inPath('roleId'), name: inBody('name'), description: inBody('description'), policy: inBody('policy') },
  },
  {
    name: 'delete_project_role', title: 'Delete project role', toolset: 'roles', route: 'roles.project.delete', annotations: DELETE,
    description: 'Delete a custom project role (built-in roles cannot be deleted); members holding it lose it. roleId is a UUID. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, roleId: uuid('Role id (UUID).') }, ['projectId', 'roleId']),
    args: { projectId: inPath('projectId'), roleId: inPath('roleId') },
  },

  // Project agents
  {
    name: 'list_agents', title: 'List project agents', toolset: 'agents', route: 'agents.project.list', annotations: READ,
    description: 'A project\'s agents: id, handle, name, description and avatar. Cursor-paged: pass next_cursor back as cursor. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, cursor, pageSize: cursorPageSize }, ['projectId']),
    args: { projectId: inPath('projectId'), cursor: inQuery('cursor'), pageSize: inQuery('page_size') },
  },
  {
    name: 'get_agent', title: 'Get project agent', toolset: 'agents', route: 'agents.project.get', annotations: READ,
    description: 'One project agent. agentId is a UUID. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, agentId }, ['projectId', 'agentId']),
    args: { projectId: inPath('projectId'), agentId: inPath('agentId') },
  },
  {
    name: 'create_agent', title: 'Create project agent', toolset: 'agents', route: 'agents.project.create', annotations: CREATE,
    description: 'Create an agent in a project. With roleIds (UUIDs) it also becomes a member with those roles, which needs project.members:write. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({
      projectId, handle: agentHandle, name: agentName, description: agentDescription, avatarUrl,
      roleIds: { ...roleIds, description: 'Makes the agent a project member with these role ids (UUIDs).' },
    }, ['projectId', 'handle', 'name']),
    args: {
      projectId: inPath('projectId'), handle: inBody('handle'), name: inBody('name'), description: inBody('description'),
      avatarUrl: inBody('avatar_url'), roleIds: inBody('role_ids'),
    },
  },
  {
    name: 'update_agent', title: 'Update project agent', toolset: 'agents', route: 'agents.project.update', annotations: UPDATE,
    description: 'Change a project agent\'s handle, name, description or avatar; omitted fields stay. agentId is a UUID. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, agentId, handle: agentHandle, name: agentName, description: agentDescription, avatarUrl, version }, ['projectId', 'agentId']),
    args: {
      projectId: inPath('projectId'), agentId: inPath('agentId'), handle: inBody('handle'), name: inBody('name'), description: inBody('description'),
      avatarUrl: inBody('avatar_url'), version: inBody('version'),
    },
  },
  {
    name: 'delete_agent', title: 'Delete project agent', toolset: 'agents', route: 'agents.project.delete', annotations: DELETE,
    description: 'Delete a project agent; its API keys, roles and memberships end. agentId is a UUID. projectId accepts the project id (UUID), its prefix or its name.',
    input_schema: input({ projectId, agentId }, ['projectId', 'agentId']),
    args: { projectId: inPath('projectId'), agentId: inPath('agentId') },
  },
]);
