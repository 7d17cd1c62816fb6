import { mentionedHandles, type PluginDb, type PrincipalRef, type ProjectMember } from '@paca/plugin-sdk';
import type { DocRow } from './doc-lookup.js';
import type { DocsContext } from './plugin-context.js';

const EXCERPT_LENGTH = 140;

/** Whether the membership is `principal`'s own: nobody is notified about their own doing. */
const isOwnMembership = (member: ProjectMember, principal: PrincipalRef | null): boolean =>
  principal !== null && (principal.type === 'user' ? member.user_id === principal.id : member.agent_id === principal.id);

/** The people a comment mentions, once each (unknown handles are plain text). */
async function mentionedMembers(ctx: DocsContext, db: PluginDb, projectId: string, markdown: string): Promise<ProjectMember[]> {
  const mentions = mentionedHandles(markdown);
  if (mentions.length === 0) return [];
  const byHandle = new Map((await ctx.members.byHandles(db, projectId, mentions.flat())).map((m) => [m.handle.toLowerCase(), m]));
  const members = new Map<string, ProjectMember>();
  for (const candidates of mentions) {
    const member = candidates.map((handle) => byHandle.get(handle)).find((m) => m !== undefined);
    if (member) members.set(member.id, member);
  }
  return [...members.values()];
}

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
  const mentioned = await mentionedMembers(ctx, db, doc.project_id, input.text);
  if (mentioned.length === 0) return;
  const already = new Set(input.previousText === undefined ? [] : (await mentionedMembers(ctx, db, doc.project_id, input.previousText)).map((m) => m.id));
  for (const member of mentioned) {
    if (!member.user_id || already.has(member.id) || isOwnMembership(member, author)) continue;
    await ctx.notifications.notify(db, {
      recipientUserId: member.user_id, type: 'doc.mention', eventId: input.eventId, projectId: doc.project_id, actor: author,
      data: { doc_id: doc.id, doc_title: doc.title, comment_id: input.commentId, excerpt: excerpt(input.text) },
    });
  }
}
