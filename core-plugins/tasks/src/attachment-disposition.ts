/**
 * `Content-Disposition: attachment` (RFC 6266), as the kernel's storage routes send it: the plain
 * quoted name when it is simple ASCII, otherwise an ASCII fallback plus the UTF-8 name in
 * `filename*`. Always `attachment`, so a browser downloads instead of rendering on the API origin.
 */
export function attachmentDisposition(fileName: string): string {
  if (/^[\x20-\x7e]*$/.test(fileName) && !/["\\%]/.test(fileName)) return `attachment; filename="${fileName}"`;
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
