import { defineError } from '@paca/plugin-sdk';

// The HTTP contract's generic errors (D2) and the kernel's domain errors, one registry.
export const BadRequest = defineError('BAD_REQUEST', 400, 'request body is not valid JSON');
export const UnsupportedMediaType = defineError<{ content_type?: string }>('UNSUPPORTED_MEDIA_TYPE', 415,
  'unsupported content type: send application/json');
export const ValidationFailed = defineError<{ issues: Array<{ path: string; message: string }> }>('VALIDATION_FAILED', 422,
  ({ issues }) => `request is invalid: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`);
export const PayloadTooLarge = defineError<{ limit_bytes: number }>('PAYLOAD_TOO_LARGE', 413,
  ({ limit_bytes }) => `request body exceeds ${limit_bytes} bytes`);
export const NotFound = defineError('NOT_FOUND', 404, 'route not found');
export const Unauthenticated = defineError('AUTH_UNAUTHENTICATED', 401, 'authentication required');
export const Forbidden = defineError<{ action?: string; resource?: string; reason?: string }>('FORBIDDEN', 403,
  'you are not allowed to do this');
export const TooManyRequests = defineError<{ retry_after_seconds: number }>('TOO_MANY_REQUESTS', 429,
  'too many requests, try again later');
export const Conflict = defineError('CONFLICT', 409, 'the request conflicts with a concurrent change; retry');
export const InternalError = defineError('INTERNAL_ERROR', 500, 'internal error');

export const AuthInvalidCredentials = defineError('AUTH_INVALID_CREDENTIALS', 401, 'invalid username or password');
export const AuthTokenInvalid = defineError('AUTH_TOKEN_INVALID', 401, 'token is invalid or expired');
export const AuthRefreshReused = defineError('AUTH_REFRESH_REUSED', 401,
  'refresh token was already used; the session has been revoked');
export const AuthPasswordChangeRequired = defineError('AUTH_PASSWORD_CHANGE_REQUIRED', 403,
  'you must change your password first');
export const AuthJwtRequired = defineError('AUTH_JWT_REQUIRED', 403, 'this route needs a session token, not an API key');
export const ApiKeyExpired = defineError('API_KEY_EXPIRED', 401, 'API key has expired');
export const ApiKeyRevoked = defineError('API_KEY_REVOKED', 401, 'API key has been revoked');
export const ApiKeyNotFound = defineError('API_KEY_NOT_FOUND', 404, 'API key not found');

export const UserNotFound = defineError('USER_NOT_FOUND', 404, 'user not found');
export const UsernameTaken = defineError('USER_USERNAME_TAKEN', 409, 'username is already taken');
export const UserWrongPassword = defineError('USER_WRONG_PASSWORD', 422, 'current password is incorrect');
export const UserCannotDeleteSelf = defineError('USER_CANNOT_DELETE_SELF', 409, 'you cannot delete your own account');

export const ProjectNotFound = defineError('PROJECT_NOT_FOUND', 404, 'project not found');
export const ProjectNameTaken = defineError('PROJECT_NAME_TAKEN', 409, 'a project with this name already exists');
export const ProjectPrefixTaken = defineError<{ task_id_prefix: string }>('PROJECT_PREFIX_TAKEN', 409,
  ({ task_id_prefix }) => `task id prefix ${task_id_prefix} is already used by another project`);
export const ProjectVersionConflict = defineError<{ current_version: number }>('PROJECT_VERSION_CONFLICT', 409,
  ({ current_version }) => `project was changed meanwhile (now version ${current_version}); reload and retry`);
export const ProjectMemberNotFound = defineError('PROJECT_MEMBER_NOT_FOUND', 404, 'project member not found');
export const ProjectMemberAlreadyAdded = defineError('PROJECT_MEMBER_ALREADY_ADDED', 409, 'this user is already a member');

export const RoleNotFound = defineError('ROLE_NOT_FOUND', 404, 'role not found');
export const RoleNameTaken = defineError('ROLE_NAME_TAKEN', 409, 'a role with this name already exists');
export const RolePolicyInvalid = defineError<{ issues: Array<{ path: string; message: string }> }>('ROLE_POLICY_INVALID', 422,
  ({ issues }) => `policy is invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
export const RoleIsSystem = defineError('ROLE_IS_SYSTEM', 409, 'built-in roles cannot be deleted');
export const RoleIsDefault = defineError('ROLE_IS_DEFAULT', 409, 'the default role cannot be deleted');
export const RoleLastFullAccess = defineError('ROLE_LAST_FULL_ACCESS', 409,
  'this change would leave nobody with full access');
export const RoleNotAttachable = defineError<{ role_id: string }>('ROLE_NOT_ATTACHABLE', 422,
  'this role cannot be attached here');
export const RoleRequired = defineError('ROLE_REQUIRED', 422, 'at least one role is required');
export const RoleEscalation = defineError<{ action: string; resource: string }>('FORBIDDEN', 403,
  ({ action, resource }) => `you cannot grant ${action} on ${resource}: you do not hold it`);

export const AgentNotFound = defineError('AGENT_NOT_FOUND', 404, 'agent not found');
export const AgentHandleTaken = defineError<{ handle: string }>('AGENT_HANDLE_TAKEN', 409,
  ({ handle }) => `handle ${handle} is already used by a user or an agent`);
export const AgentVersionConflict = defineError<{ current_version: number }>('AGENT_VERSION_CONFLICT', 409,
  ({ current_version }) => `agent was changed meanwhile (now version ${current_version}); reload and retry`);
export const AgentOutsideProject = defineError<{ agent_id: string; agent_project_id: string; project_id: string | null }>(
  'AGENT_OUTSIDE_PROJECT', 422, 'a project agent can only hold roles and membership in its own project');
export const PrincipalUserRequired = defineError('PRINCIPAL_USER_REQUIRED', 403, 'only a user account can do this, not an agent');

export const StorageObjectNotFound = defineError<{ key: string }>('STORAGE_OBJECT_NOT_FOUND', 404,
  ({ key }) => `object ${key} not found`);
export const StorageKeyInvalid = defineError<{ key: string }>('STORAGE_KEY_INVALID', 422,
  'object keys are relative paths of [A-Za-z0-9/_.-] without empty, "." or ".." segments');
export const StorageKeyConflict = defineError<{ key: string }>('STORAGE_KEY_CONFLICT', 409,
  ({ key }) => `object key ${key} collides with another key used as a folder`);
export const StorageUrlInvalid = defineError('STORAGE_URL_INVALID', 403, 'storage URL signature is missing or invalid');
export const StorageUrlExpired = defineError<{ expired_at: string }>('STORAGE_URL_EXPIRED', 403,
  ({ expired_at }) => `storage URL expired at ${expired_at}`);
export const StorageUnavailable = defineError<{ provider: string; operation: string }>('STORAGE_UNAVAILABLE', 503,
  ({ provider, operation }) => `object storage (${provider}) failed during ${operation}`);
