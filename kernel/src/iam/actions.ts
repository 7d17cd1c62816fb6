/**
 * The kernel's IAM actions (D16). Platform actions are checked on their platform root; project
 * actions on `project/<id>` (or a deeper entity). Plugins add theirs from their manifests.
 */
export interface ActionDefinition {
  action: string;
  description: string;
  /** Where a platform-wide grant of this action is checked; null = only inside projects. */
  platformRoot: string | null;
  /** Checked inside a project (`project/<id>/…`). */
  projectScoped: boolean;
  /** The plugin that declares it; kernel actions have none. */
  pluginId?: string;
}

const define = (action: string, description: string, platformRoot: string | null, projectScoped: boolean): ActionDefinition =>
  ({ action, description, platformRoot, projectScoped });

export const KERNEL_ACTIONS: ActionDefinition[] = [
  define('users:read', 'See user accounts', 'user/*', false),
  define('users:write', 'Create users, edit them and reset their passwords', 'user/*', false),
  define('users:delete', 'Delete users', 'user/*', false),
  define('roles:read', 'See roles and who holds them', 'role/*', true),
  define('roles:write', 'Create, edit and delete roles', 'role/*', true),
  define('roles:assign', 'Attach roles to users and agents', 'role/*', true),
  define('projects:read', 'See projects', 'project', true),
  define('projects:create', 'Create projects', 'project', false),
  define('projects:write', 'Edit project settings', 'project', true),
  define('projects:delete', 'Delete projects', 'project', true),
  define('project.members:read', 'See project members', null, true),
  define('project.members:write', 'Add, edit and remove project members', null, true),
  define('project.activities:read', 'Read the project activity feed', null, true),
  define('agents:read', 'See agents', 'agent/*', true),
  define('agents:write', 'Create, edit and delete agents', 'agent/*', true),
  define('plugins:read', 'See installed plugins', 'plugin/*', false),
  define('plugins:write', 'Install, configure and remove plugins', 'plugin/*', false),
  define('settings:write', 'Change workspace settings', 'settings', false),
];

/** First resource segments a policy may name (reference 3.1). */
export const RESOURCE_KINDS = ['project', 'user', 'role', 'agent', 'plugin', 'settings', 'sso'] as const;

/** Actions anonymous callers and non-members get on a public project (D16 `public` grants). */
export const KERNEL_PUBLIC_ACTIONS = ['projects:read', 'project.members:read'];
