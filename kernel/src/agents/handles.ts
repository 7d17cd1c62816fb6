import type { Knex } from 'knex';

/** Advisory-lock namespace of handle claims (the bootstrap uses the single-key 7411). */
const HANDLE_LOCK_SPACE = 7412;

/**
 * Who holds `handle` among live users and agents, after taking a transaction-scoped lock on it.
 * Users and agents live in two tables, so no index can keep their handles apart (D14); every
 * writer of a username or handle claims it here first, which serialises concurrent claims of the
 * same name until the claiming transaction ends. Must run inside a transaction.
 */
export async function claimHandle(
  db: Knex, handle: string, except: { userId?: string; agentId?: string } = {},
): Promise<'user' | 'agent' | null> {
  await db.raw(`SELECT pg_advisory_xact_lock(${HANDLE_LOCK_SPACE}, hashtext(?))`, [handle]);
  const user = db('users').where({ username: handle }).whereNull('deleted_at');
  if (except.userId) user.whereNot({ id: except.userId });
  if (await user.first('id')) return 'user';
  const agent = db('agents').where({ handle }).whereNull('deleted_at');
  if (except.agentId) agent.whereNot({ id: except.agentId });
  if (await agent.first('id')) return 'agent';
  return null;
}
