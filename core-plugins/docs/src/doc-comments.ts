import type { ActivityEntry, PluginDb, PluginRoutes, PrincipalRef, RouteRequest } from '@paca/plugin-sdk';
import { isUuid, requireDoc } from './doc-lookup.js';
import { announceMentions } from './doc-mentions.js';
import { DocCommentNotAuthor, DocCommentNotFound } from './errors.js';
import { DocCommentCreated, DocCommentDeleted, DocCommentUpdated } from './events.js';
import type { DocsContext } from './plugin-context.js';

type DocParams = { projectId: string; docId: string };
type CommentParams = DocParams & { commentId: string };
type CommentBody = { content: string };

/** A comment is an activity entry of type `comment` with content `{text}` (Markdown, D1; reference 1.8). */
const COMMENT = 'comment';

/**
 * A document's activity feed and comments (reference 2.3 "Docs"): the kernel's activity log for
 * the document (`entity_type` `doc`) — its history events and comments. Anyone who may write docs
 * comments; only the author edits or deletes (a soft delete: the entry leaves the feed).
 */
export function registerCommentRoutes(routes: PluginRoutes, ctx: DocsContext): void {
  /** The author's own comment on this document, or 404 `DOC_COMMENT_NOT_FOUND` / 403 `DOC_COMMENT_NOT_AUTHOR`. */
  const requireOwnComment = async (db: PluginDb, params: CommentParams, principal: PrincipalRef | null): Promise<ActivityEntry> => {
    const entry = isUuid(params.commentId) ? await ctx.activity.get(db, params.projectId, params.commentId) : null;
    if (!entry || entry.entity_type !== 'doc' || entry.entity_id !== params.docId || entry.activity_type !== COMMENT) throw DocCommentNotFound({});
    if (!principal || entry.actor?.type !== principal.type || entry.actor.id !== principal.id) throw DocCommentNotAuthor({});
    return entry;
  };

  routes.handle('docs.activities.list', async ({ db, params, query }: RouteRequest<DocParams, { cursor?: string; page_size: number }>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    return ctx.activity.list(db, { projectId: params.projectId, entityType: 'doc', entityId: doc.id, cursor: query.cursor, limit: query.page_size });
  });

  routes.handle('docs.comments.create', async ({ db, params, body, principal }: RouteRequest<DocParams, unknown, CommentBody>) => {
    const { projectId } = params;
    const doc = await requireDoc(db, projectId, params.docId);
    const text = body.content;
    const { id } = await ctx.activity.record(db, { projectId, entityType: 'doc', entityId: doc.id, actor: principal, type: COMMENT, content: { text } });
    const event = await ctx.events.emit(db, DocCommentCreated, { projectId, actor: principal, payload: { doc_id: doc.id, comment_id: id, content: text } });
    await announceMentions(ctx, db, { doc, commentId: id, text, author: principal, eventId: event.id });
    return (await ctx.activity.get(db, projectId, id))!;
  });

  routes.handle('docs.comments.update', async ({ db, params, body, principal }: RouteRequest<CommentParams, unknown, CommentBody>) => {
    const { projectId, commentId } = params;
    const doc = await requireDoc(db, projectId, params.docId);
    const comment = await requireOwnComment(db, { ...params, docId: doc.id }, principal);
    const text = body.content;
    // Deleted by a concurrent request since it was read: gone all the same.
    if (!(await ctx.activity.update(db, projectId, comment.id, { text }))) throw DocCommentNotFound({});
    const event = await ctx.events.emit(db, DocCommentUpdated, { projectId, actor: principal, payload: { doc_id: doc.id, comment_id: comment.id, content: text } });
    await announceMentions(ctx, db, { doc, commentId, text, previousText: String(comment.content.text ?? ''), author: principal, eventId: event.id });
    return (await ctx.activity.get(db, projectId, comment.id))!;
  });

  routes.handle('docs.comments.delete', async ({ db, params, principal }: RouteRequest<CommentParams>) => {
    const { projectId } = params;
    const doc = await requireDoc(db, projectId, params.docId);
    const comment = await requireOwnComment(db, { ...params, docId: doc.id }, principal);
    if (!(await ctx.activity.remove(db, projectId, comment.id))) throw DocCommentNotFound({});
    await ctx.events.emit(db, DocCommentDeleted, { projectId, actor: principal, payload: { doc_id: doc.id, comment_id: comment.id } });
  });
}
