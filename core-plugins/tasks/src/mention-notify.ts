import { isOwnMembership, mentionedMembers, type PluginDb, type PrincipalRef } from '@paca/plugin-sdk';
import { AgentCommentMention } from './events.js';
import type { TasksContext } from './plugin-context.js';

const EXCERPT_LENGTH = 140;

export interface CommentMentions {
  projectId: string;
  task: { id: string; task_number: number; key: string; title: string };
  commentId: string;
  /** The comment's Markdown now. */
  text: string;
  /** Its Markdown before an edit: members it already mentioned are not told again. */
  previousText?: string;
  author: PrincipalRef | null;
  /** The comment event (`task.comment.added` or `.updated`): one notification per recipient and event (D26). */
  eventId: number;
}

/**
 * Tells the members newly mentioned in a comment: people get a `task.mentioned` notification,
 * agents an `agent.comment_mention` trigger (reference 7.2). Nobody is told about their own mention.
 */
export async function announceMentions(ctx: TasksContext, db: PluginDb, input: CommentMentions): Promise<void> {
  const mentioned = await mentionedMembers(ctx.members, db, input.projectId, input.text);
  if (mentioned.length === 0) return;
  const already = new Set(input.previousText === undefined ? [] : (await mentionedMembers(ctx.members, db, input.projectId, input.previousText)).map((m) => m.id));
  const { task, commentId, author, projectId } = input;
  for (const member of mentioned) {
    if (already.has(member.id) || isOwnMembership(member, author)) continue;
    if (member.user_id) {
      await ctx.notifications.notify(db, {
        recipientUserId: member.user_id, type: 'task.mentioned', eventId: input.eventId, projectId, actor: author,
        data: { task_id: task.id, task_number: task.task_number, key: task.key, task_title: task.title, comment_id: commentId, excerpt: excerpt(input.text) },
      });
    } else if (member.agent_id) {
      await ctx.events.emit(db, AgentCommentMention, {
        projectId, actor: author,
        payload: { agent_id: member.agent_id, member_id: member.id, task_id: task.id, task_number: task.task_number, comment_id: commentId },
      });
    }
  }
}

/** The start of the comment on one line, for the notification list. */
function excerpt(markdown: string): string {
  const line = markdown.replace(/\s+/g, ' ').trim();
  return line.length <= EXCERPT_LENGTH ? line : `${line.slice(0, EXCERPT_LENGTH - 1).trimEnd()}…`;
}
