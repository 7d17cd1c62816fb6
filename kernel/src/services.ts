import type { Knex } from 'knex';
import type { AccessTokens } from './auth/access-tokens.js';
import type { PasswordHasher } from './auth/passwords.js';
import type { Sessions } from './auth/sessions.js';
import type { Clock } from './clock.js';
import type { KernelConfig } from './config/config.js';
import type { Outbox } from './events/outbox.js';
import type { IamService } from './iam/iam-service.js';
import type { NotificationService } from './notifications/notification-service.js';
import type { ActivityLog } from './projects/activity-log.js';
import type { SecretBox } from './secrets/secret-box.js';
import type { ObjectStorage } from './storage/object-storage.js';
import type { ProjectLifecycle } from './plugins/project-lifecycle.js';

/** What kernel route modules are built from; each receives exactly this, typed. */
export interface KernelServices {
  config: KernelConfig;
  clock: Clock;
  db: Knex;
  iam: IamService;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  sessions: Sessions;
  activity: ActivityLog;
  /** The transactional outbox: `events.emit(tx, Definition, {projectId, actor, payload})` (D24). */
  events: Outbox;
  /** `notifications.notify(tx, …)`: one notification per recipient and event id (D26). */
  notifications: NotificationService;
  /** Secrets at rest under ENCRYPTION_KEY (D9). */
  secretBox: SecretBox;
  /** Object storage (D12): the fs or S3 adapter `STORAGE_PROVIDER` names. */
  storage: ObjectStorage;
  /** Plugins' per-project seeding hooks (D20); project creation runs them in its transaction. */
  projectLifecycle: ProjectLifecycle;
}
