import { Type } from '@sinclair/typebox';
import { Nullable, StrictObject, Timestamp, Uuid } from '../http/schemas.js';
import { HANDLE_PATTERN } from './agent-view.js';

const Handle = Type.String({ pattern: HANDLE_PATTERN, description: 'unique across users and agents' });
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const Description = Type.String({ maxLength: 2000 });
const AvatarUrl = Nullable(Type.String({ format: 'uri', maxLength: 2000 }));

export const CreateAgent = StrictObject({
  handle: Handle,
  name: Name,
  description: Type.Optional(Description),
  avatar_url: Type.Optional(AvatarUrl),
});

export const CreateProjectAgent = StrictObject({
  ...CreateAgent.properties,
  role_ids: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 20, description: 'makes the agent a project member with these roles' })),
});

export const UpdateAgent = StrictObject({
  handle: Type.Optional(Handle),
  name: Type.Optional(Name),
  description: Type.Optional(Description),
  avatar_url: Type.Optional(AvatarUrl),
  version: Type.Optional(Type.Integer({ minimum: 1 })),
});

export const CreateAgentApiKey = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
  expires_at: Type.Optional(Nullable(Timestamp)),
});

export const ProjectAgentParams = StrictObject({ projectId: Uuid, agentId: Uuid });
export const GlobalAgentParams = StrictObject({ agentId: Uuid });
