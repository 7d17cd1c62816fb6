// Names a build in a result file: a hash over the paths and contents of its files with the given
// endings, their count, and the newest file's time — so numbers are read against the code measured.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export function buildHash(dir, extensions = ['.js']) {
  const files = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (extensions.some((e) => entry.name.endsWith(e))) files.push(full);
    }
  };
  walk(dir);
  files.sort();
  const hash = createHash('sha256');
  let newest = 0;
  for (const file of files) {
    hash.update(path.relative(dir, file)).update('\0').update(readFileSync(file)).update('\0');
    newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return { dist_sha256: hash.digest('hex').slice(0, 16), dist_files: files.length, dist_newest_file: new Date(newest).toISOString() };
}
