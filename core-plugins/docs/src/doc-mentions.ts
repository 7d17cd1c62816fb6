import { isOwnMembership, mentionedMembers, type PluginDb, type PrincipalRef } from '@paca/plugin-sdk';
import type { DocRow } from './doc-lookup.js';
import type { DocsContext } from './plugin-context.js';

const EXCERPT_LENGTH = 140;

/** The start of the comment on one line, for the notification list. */
function excerpt(markdown: string): string {
  const line = markdown.replace(/\s+/g, ' ').trim();
  return line.length <= EXCERPT_LENGTH ? line : `${line.slice(0, EXCERPT_LENGTH - 1).trimEnd()}…`;
}

/**
 * Sends a `doc.mention` notification to each person newly mentioned in a doc comment: not the
 * author, not someone the comment mentioned before an edit. Agents have no inbox (notifications
 * go to users) and no doc trigger yet, so their mentions stay text.
 */
export async function announceMentions(ctx: DocsContext, db: PluginDb, input: {
  doc: DocRow; commentId: string; text: string; previousText?: string; author: PrincipalRef | null;
  /** The comment event: one notification per recipient and event (D26). */
  eventId: number;
}): Promise<void> {
  const { doc, author } = input;
  const mentioned = await mentionedMembers(ctx.members, db, doc.project_id, input.text);
  if (mentioned.length === 0) return;
  const already = new Set(input.previousText === undefined ? [] : (await mentionedMembers(ctx.members, db, doc.project_id, input.previousText)).map((m) => m.id));
  for (const member of mentioned) {
    if (!member.user_id || already.has(member.id) || isOwnMembership(member, author)) continue;
    await ctx.notifications.notify(db, {
      recipientUserId: member.user_id, type: 'doc.mention', eventId: input.eventId, projectId: doc.project_id, actor: author,
      data: { doc_id: doc.id, doc_title: doc.title, comment_id: input.commentId, excerpt: excerpt(input.text) },
    });
  }
}
