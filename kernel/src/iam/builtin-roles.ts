import { POLICY_VERSION, type Policy } from './policy.js';

export interface BuiltinRole {
  key: string;
  name: string;
  description: string;
  isDefault: boolean;
  policy: Policy;
}

const allow = (actions: string[], resources: string[]) => ({ effect: 'Allow' as const, actions, resources });

/** Platform roles (reference 3.2). USER is every new user's default (D15). */
export const PLATFORM_ROLES: BuiltinRole[] = [
  {
    key: 'SUPER_ADMIN',
    name: 'SUPER_ADMIN',
    description: 'Full access to everything',
    isDefault: false,
    policy: { version: POLICY_VERSION, statements: [allow(['*'], ['*'])] },
  },
  {
    key: 'ADMIN',
    name: 'ADMIN',
    description: 'Administers users, projects, agents, plugins and settings',
    isDefault: false,
    policy: {
      version: POLICY_VERSION,
      statements: [
        allow(['agents:*'], ['agent/*']),
        allow(['plugins:*'], ['plugin/*']),
        allow(['projects:*'], ['project']),
        allow(['users:*'], ['user/*']),
        allow(['settings:write'], ['settings']),
        allow(['roles:read'], ['role/*']),
      ],
    },
  },
  {
    key: 'USER',
    name: 'USER',
    description: 'Default role: see users and create projects',
    isDefault: true,
    policy: {
      version: POLICY_VERSION,
      statements: [allow(['users:read'], ['user/*']), allow(['projects:create'], ['project'])],
    },
  },
];

/** Project role templates, instantiated per project with its id (reference 3.2). */
export function projectRoleTemplates(projectId: string): BuiltinRole[] {
  const root = [`project/${projectId}/*`];
  return [
    {
      key: 'Admin',
      name: 'Admin',
      description: 'Full access to this project',
      isDefault: false,
      policy: { version: POLICY_VERSION, statements: [allow(['*'], root)] },
    },
    {
      key: 'Editor',
      name: 'Editor',
      description: 'Reads and writes the project’s work; cannot change members, roles or settings',
      isDefault: false,
      policy: {
        version: POLICY_VERSION,
        statements: [allow(['projects:read', 'project.members:read', 'project.activities:read', 'roles:read',
          'agents:read', 'agents:write'], root)],
      },
    },
    {
      key: 'Viewer',
      name: 'Viewer',
      description: 'Reads the project',
      isDefault: false,
      policy: {
        version: POLICY_VERSION,
        statements: [allow(['projects:read', 'project.members:read', 'project.activities:read', 'roles:read', 'agents:read'], root)],
      },
    },
  ];
}

/** The role whose holders have full access: the last holder cannot be removed. */
export const PLATFORM_FULL_ACCESS_KEY = 'SUPER_ADMIN';
export const PROJECT_FULL_ACCESS_KEY = 'Admin';
