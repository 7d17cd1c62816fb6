import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { AttachmentNotReadable } from './errors.js';

/*
 * What `GET …/attachments/:id/read` hands an agent inline (reference 6.2 `read_task_attachment`):
 * text up to 2 MB, PNG/JPEG/GIF/WebP images up to 5 MB; anything else is refused with a reason.
 */

export const TEXT_LIMIT_BYTES = 2 * 1024 * 1024;
export const IMAGE_LIMIT_BYTES = 5 * 1024 * 1024;

export type InlineAttachment =
  | { kind: 'text'; content_type: string; text: string }
  | { kind: 'image'; content_type: string; data_base64: string };

type InlineKind = { kind: 'text'; limit: number; charset: string } | { kind: 'image'; limit: number };

const TEXT_TYPES = new Set([
  'application/json', 'application/x-ndjson', 'application/xml', 'application/yaml', 'application/x-yaml', 'application/toml',
  'application/javascript', 'application/ecmascript', 'application/typescript', 'application/x-sh', 'application/sql',
  'application/graphql', 'application/csv', 'application/markdown', 'application/x-httpd-php',
]);
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
// Browsers send no type (stored as application/octet-stream) for many text files; the extension tells.
const TEXT_EXTENSIONS = new Set([
  'txt', 'md', 'markdown', 'csv', 'tsv', 'json', 'ndjson', 'yaml', 'yml', 'xml', 'toml', 'ini', 'cfg', 'conf', 'log', 'sql',
  'sh', 'ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'py', 'rb', 'go', 'rs', 'java', 'kt', 'c', 'h', 'cpp', 'hpp', 'cs', 'php',
  'html', 'htm', 'css', 'scss', 'svg', 'feature', 'gherkin', 'env', 'properties', 'graphql', 'proto', 'diff', 'patch',
]);

function inlineKind(contentType: string, fileName: string): InlineKind | null {
  const [essence = '', ...parameters] = contentType.split(';').map((part) => part.trim());
  const type = essence.toLowerCase();
  const charset = parameters.map((p) => /^charset\s*=\s*"?([^";]+)"?$/i.exec(p)?.[1]).find(Boolean) ?? 'utf-8';
  if (IMAGE_TYPES.has(type)) return { kind: 'image', limit: IMAGE_LIMIT_BYTES };
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const text = type.startsWith('text/') || TEXT_TYPES.has(type) || /\+(json|xml|yaml)$/.test(type)
    || (type === 'application/octet-stream' && extension !== undefined && TEXT_EXTENSIONS.has(extension));
  return text ? { kind: 'text', limit: TEXT_LIMIT_BYTES, charset } : null;
}

const megabytes = (bytes: number) => `${bytes / (1024 * 1024)} MB`;

/** Reads at most `limit` bytes; a stream that turns out longer is cut off and refused. */
async function readUpTo(stream: Readable, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The attachment as text or a base64 image, or 422 `ATTACHMENT_NOT_READABLE` with the reason.
 * Type and size are checked before the object is opened (`open` is called only when it may be read).
 */
export async function readInline(
  attachment: { content_type: string; file_name: string; file_size: number },
  open: () => Promise<{ stream: Readable; size: number }>,
): Promise<InlineAttachment> {
  const kind = inlineKind(attachment.content_type, attachment.file_name);
  if (!kind) {
    throw AttachmentNotReadable({ reason: `${attachment.content_type} is neither text nor a PNG, JPEG, GIF or WebP image; download it instead` });
  }
  const tooLarge = () => AttachmentNotReadable({ reason: `${kind.kind === 'text' ? 'text' : 'images'} can be read inline up to ${megabytes(kind.limit)}; download it instead` });
  if (attachment.file_size > kind.limit) throw tooLarge();
  const object = await open();
  if (object.size > kind.limit) {
    object.stream.destroy();
    throw tooLarge();
  }
  const bytes = await readUpTo(object.stream, kind.limit, tooLarge);
  if (kind.kind === 'image') return { kind: 'image', content_type: attachment.content_type, data_base64: bytes.toString('base64') };
  return { kind: 'text', content_type: attachment.content_type, text: decodeText(bytes, kind.charset) };
}

function decodeText(bytes: Buffer, charset: string): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw AttachmentNotReadable({ reason: `charset ${charset} is not supported` });
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw AttachmentNotReadable({ reason: `the content is not valid ${decoder.encoding} text` });
  }
}
