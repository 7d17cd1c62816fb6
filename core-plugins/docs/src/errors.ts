import { defineError } from '@paca/plugin-sdk';

/*
 * The docs plugin's error codes (reference 2.1 family DOC_*). Clients switch on the code.
 */

export { invalid } from '@paca/plugin-sdk';

type CurrentVersion = { current_version: number };

export const DocNotFound = defineError('DOC_NOT_FOUND', 404, 'document not found');
export const DocVersionConflict = defineError<CurrentVersion>('DOC_VERSION_CONFLICT', 409,
  ({ current_version }) => `document was changed by someone else (current version ${current_version})`);
export const DocTitleTaken = defineError('DOC_TITLE_TAKEN', 409, 'a document with this title exists in that folder');

export const DocFolderNotFound = defineError('DOC_FOLDER_NOT_FOUND', 404, 'folder not found');
export const DocFolderVersionConflict = defineError<CurrentVersion>('DOC_FOLDER_VERSION_CONFLICT', 409,
  ({ current_version }) => `folder was changed by someone else (current version ${current_version})`);
export const DocFolderNameTaken = defineError('DOC_FOLDER_NAME_TAKEN', 409, 'a folder with this name exists in that folder');
export const DocFolderNotEmpty = defineError<{ folder_count: number; document_count: number }>('DOC_FOLDER_NOT_EMPTY', 409,
  ({ folder_count, document_count }) => `the folder holds ${folder_count} folders and ${document_count} documents: pass recursive=true`);
export const DocFolderCycle = defineError('DOC_FOLDER_CYCLE', 422, 'a folder cannot move into itself or one of its subfolders');

export const DocSnapshotNotFound = defineError('DOC_SNAPSHOT_NOT_FOUND', 404, 'snapshot not found');

export const DocCommentNotFound = defineError('DOC_COMMENT_NOT_FOUND', 404, 'comment not found');
export const DocCommentNotAuthor = defineError('DOC_COMMENT_NOT_AUTHOR', 403, 'only the author may edit or delete a comment');

export const DocFileNotFound = defineError('DOC_FILE_NOT_FOUND', 404, 'file not found');
export const DocFileTooLarge = defineError<{ limit_bytes: number }>('DOC_FILE_TOO_LARGE', 413, ({ limit_bytes }) => `files are limited to ${limit_bytes} bytes`);
export const DocFileNotUploaded = defineError('DOC_FILE_NOT_UPLOADED', 409, 'the upload has not completed');
export const DocFileAlreadyUploaded = defineError('DOC_FILE_ALREADY_UPLOADED', 409, 'the upload is already complete');
