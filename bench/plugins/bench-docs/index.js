// Bench support for the docs plugin, in plain JavaScript like bench-tasks (loaded from
// DATA_DIR/plugins, so it exports the shape definePlugin() returns and names kernel services by id).
//
// - `docs.seed` fills a project with `count` Markdown documents of about 2 KB (generated here from
//   a fixed vocabulary, deterministic per document number) spread over `folders` root folders,
//   inserted straight into plugin_docs in batches of INSERT … SELECT unnest(…), each with its
//   first snapshot, so 10,000 documents take seconds, not 10,000 requests; then the trigram
//   indexes' pending lists are merged and the tables analysed, as autovacuum would soon after such
//   a load. `word` goes into the body of every `word_every`-th document and nowhere else (the
//   vocabulary never contains it).
// - `docs.sql` is the raw SQL search measured beside GET /docs/search: the same caller, gate,
//   predicate (the docs plugin's `lower(…) LIKE lower(…)`, which its pg_trgm indexes serve), order
//   and LIMIT over the same rows, as one SELECT with none of the docs plugin's work (snippets,
//   folder paths).

const ref = (id) => ({ id, kind: 'service' });

const BATCH = 500;
const TARGET_LENGTH = 2000;

const VOCABULARY = ('the a of to and in for on with by from as is are be this that it we our team project release plan '
  + 'service api request response database table index query cache queue worker event consumer producer backend frontend '
  + 'client server deploy build test review merge branch commit issue task sprint board column status owner customer user '
  + 'account login session token permission role admin member guest report metric latency throughput error warning retry '
  + 'timeout limit budget estimate roadmap milestone quarter week day morning meeting note decision proposal draft '
  + 'document section summary context goal scope risk dependency migration schema column field value default config option '
  + 'feature flag rollout rollback incident alert dashboard log trace span storage bucket upload download file folder path '
  + 'search filter sort order page cursor limit offset version history snapshot diff restore comment mention reply thread '
  + 'should must could will may need needs after before during while when then because although however therefore also '
  + 'first second third next last new old small large fast slow simple clear stable ready done blocked pending open closed').split(' ');

/** A small deterministic PRNG (mulberry32), so a document's body depends on its number only. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function words(random, count) {
  return Array.from({ length: count }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]);
}

function sentence(random) {
  const w = words(random, 6 + Math.floor(random() * 10));
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return `${w.join(' ')}.`;
}

function paragraph(random) {
  return Array.from({ length: 3 + Math.floor(random() * 3) }, () => sentence(random)).join(' ');
}

/** About TARGET_LENGTH characters of Markdown: headings, paragraphs, a list and a code block. */
function body(n, word) {
  const random = prng(n * 2654435761);
  const parts = [`# ${words(random, 3).join(' ')}`, '', '## Overview', '', paragraph(random), ''];
  parts.push('## Details', '', ...Array.from({ length: 4 }, () => `- ${words(random, 5 + Math.floor(random() * 5)).join(' ')}`), '');
  parts.push('```sh', `npm run ${words(random, 1)[0]} -- --${words(random, 1)[0]}=${n}`, '```', '');
  let text = parts.join('\n');
  let section = 0;
  while (text.length < TARGET_LENGTH) {
    if (section++ % 2 === 0) text += `## ${words(random, 2).join(' ')}\n\n`;
    text += `${paragraph(random)}\n\n`;
  }
  if (word) {
    // Somewhere in the body, as a word of a sentence.
    const at = text.indexOf(' ', Math.floor(random() * (text.length - 200)) + 100);
    text = `${text.slice(0, at)} ${word}${text.slice(at)}`;
  }
  return text;
}

/** `text` as a literal LIKE pattern, as the docs plugin makes it: `%`, `_` and `\` match themselves. */
const literal = (text) => text.replace(/[\\%_]/g, '\\$&');

export default {
  $$type: '@paca/plugin',
  register(env) {
    env.init({
      deps: { routes: ref('kernel.routes'), clock: ref('kernel.clock') },
      init({ routes, clock }) {
        routes.handle('docs.seed', async ({ db, projectId, principal, body: input }) => {
          const now = clock.now();
          const folderIds = [];
          for (let k = 1; k <= (input.folders ?? 0); k++) {
            const folder = await db.raw(`INSERT INTO plugin_docs.doc_folders (id, project_id, parent_id, name, position, version,
                created_by_type, created_by_id, created_at, updated_at)
              VALUES (gen_random_uuid(), ?, NULL, ?, ?, 1, ?, ?, ?, ?) RETURNING id`,
            [projectId, `Bench area ${k}`, k, principal.type, principal.id, now, now]);
            folderIds.push(folder.rows[0].id);
          }
          const start = (await db.raw('SELECT count(*)::int AS n FROM plugin_docs.documents WHERE project_id = ?', [projectId])).rows[0].n + 1;
          for (let first = start; first < start + input.count; first += BATCH) {
            const numbers = [];
            const bodies = [];
            for (let n = first; n < Math.min(first + BATCH, start + input.count); n++) {
              numbers.push(n);
              bodies.push(body(n, input.word && input.word_every && n % input.word_every === 0 ? input.word : null));
            }
            // Documents updated one second apart, the newest last: search orders by updated_at.
            await db.raw(`INSERT INTO plugin_docs.documents (id, project_id, folder_id, title, content, position, version, snapshot_number,
                created_by_type, created_by_id, updated_by_type, updated_by_id, created_at, updated_at)
              SELECT gen_random_uuid(), ?, CASE WHEN ? = 0 THEN NULL ELSE (?::uuid[])[1 + t.n % greatest(?, 1)] END, 'Bench doc ' || t.n, t.content,
                t.n, 1, 1, ?, ?, ?, ?, ?::timestamptz - (? - t.n) * interval '1 second', ?::timestamptz - (? - t.n) * interval '1 second'
              FROM unnest(?::int[], ?::text[]) AS t(n, content)`,
            [projectId, folderIds.length, folderIds, folderIds.length, principal.type, principal.id, principal.type, principal.id,
              now, start + input.count, now, start + input.count, numbers, bodies]);
          }
          // Each document's first snapshot, as creation writes it (D30).
          await db.raw(`INSERT INTO plugin_docs.doc_snapshots (id, document_id, project_id, snapshot_number, title, content, restored_from,
              created_by_type, created_by_id, created_at, updated_at)
            SELECT gen_random_uuid(), d.id, d.project_id, 1, d.title, d.content, NULL, d.created_by_type, d.created_by_id, d.created_at, d.updated_at
            FROM plugin_docs.documents d
            WHERE d.project_id = ? AND NOT EXISTS (SELECT 1 FROM plugin_docs.doc_snapshots s WHERE s.document_id = d.id)`, [projectId]);
          // What autovacuum would do soon after a bulk load: merge the GIN indexes' pending lists (a
          // bulk insert leaves up to gin_pending_list_limit of entries there; while they are, the
          // planner prices the pg_trgm indexes so high that search scans every body) and ANALYZE.
          await db.raw("SELECT gin_clean_pending_list('plugin_docs.documents_title_trgm'::regclass), gin_clean_pending_list('plugin_docs.documents_content_trgm'::regclass)");
          await db.raw('ANALYZE plugin_docs.documents');
          await db.raw('ANALYZE plugin_docs.doc_snapshots');
          const matching = input.word
            ? (await db.raw(`SELECT count(*)::int AS n FROM plugin_docs.documents WHERE project_id = ? AND deleted_at IS NULL
                AND (lower(title) LIKE lower(?) OR lower(content) LIKE lower(?))`, [projectId, `%${input.word}%`, `%${input.word}%`])).rows[0].n
            : null;
          const size = (await db.raw('SELECT avg(length(content))::int AS n FROM plugin_docs.documents WHERE project_id = ?', [projectId])).rows[0].n;
          return { first_number: start, last_number: start + input.count - 1, folder_ids: folderIds, matching_documents: matching, average_length: size };
        });

        routes.handle('docs.sql', async ({ db, projectId, query }) => {
          const pattern = `%${literal(query.q)}%`;
          return {
            items: (await db.raw(`SELECT id, title, folder_id, updated_at FROM plugin_docs.documents
              WHERE project_id = ? AND deleted_at IS NULL
                AND (lower(title) LIKE lower(?) ESCAPE '\\' OR lower(content) LIKE lower(?) ESCAPE '\\')
              ORDER BY lower(title) LIKE lower(?) ESCAPE '\\' DESC, updated_at DESC, id
              LIMIT ?`, [projectId, pattern, pattern, pattern, query.limit])).rows,
          };
        });
      },
    });
  },
};
