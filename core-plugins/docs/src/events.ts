import { defineEvent } from '@paca/plugin-sdk';
import { Type, type TProperties } from '@sinclair/typebox';

/*
 * Every event the docs plugin emits, as plugin.json declares them (same names, same
 * client_action). Payloads name what changed, never a document's body: clients fetch it.
 */

const payload = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: true });
const Id = Type.String({ format: 'uuid' });
const OptionalId = Type.Union([Id, Type.Null()]);
const read = { clientAction: 'docs:read' };

const doc = { doc_id: Id, title: Type.String(), folder_id: OptionalId, version: Type.Integer(), snapshot_number: Type.Integer() };
const folder = { folder_id: Id, name: Type.String(), parent_id: OptionalId, version: Type.Integer() };

export const DocCreated = defineEvent('doc.created', payload(doc), read);
/** `fields`: which of title, content, position changed. */
export const DocUpdated = defineEvent('doc.updated', payload({ ...doc, fields: Type.Array(Type.String()) }), read);
export const DocMoved = defineEvent('doc.moved', payload({ ...doc, old_folder_id: OptionalId }), read);
export const DocDeleted = defineEvent('doc.deleted', payload(doc), read);
export const DocRestored = defineEvent('doc.restored', payload({ ...doc, restored_from: Type.Integer() }), read);

export const DocFolderCreated = defineEvent('doc.folder.created', payload(folder), read);
export const DocFolderUpdated = defineEvent('doc.folder.updated', payload(folder), read);
export const DocFolderMoved = defineEvent('doc.folder.moved', payload({ ...folder, old_parent_id: OptionalId }), read);
export const DocFolderDeleted = defineEvent('doc.folder.deleted', payload(folder), read);

export const DocCommentCreated = defineEvent('doc.comment.created', payload({ doc_id: Id, comment_id: Id, content: Type.String() }), read);
export const DocCommentUpdated = defineEvent('doc.comment.updated', payload({ doc_id: Id, comment_id: Id, content: Type.String() }), read);
export const DocCommentDeleted = defineEvent('doc.comment.deleted', payload({ doc_id: Id, comment_id: Id }), read);

const file = { doc_id: Id, file_id: Id, file_name: Type.String(), file_size: Type.Integer() };
export const DocFileAdded = defineEvent('doc.file.added', payload(file), read);
export const DocFileRemoved = defineEvent('doc.file.removed', payload(file), read);
