import { Hono } from 'hono';
import { sql } from 'kysely';
import type { PortalDb } from '../db/portal-db.ts';
import type { components } from '../generated/openapi.ts';
import type { AppEnv, Caller } from '../http/app-env.ts';
import { decodeCursor, toPage } from '../http/cursor.ts';
import { operation } from '../http/operation.ts';
import { problems } from '../http/problem.ts';
import { documentHref, languageMatches, shownVersionOf } from './repo.ts';

type GlossaryHit = components['schemas']['GlossaryHit'];

const MAX_QUERY_PARTS = 16;
// Letters, digits and combining marks make words, as for FTS5's unicode61 tokenizer.
const WORD_SEPARATORS = /[^\p{L}\p{N}\p{M}]+/u;

/**
 * Turns what a person types into an FTS5 query that cannot be malformed: every word is a
 * quoted string (all must match), `"quoted phrases"` stay phrases, a trailing `*` asks for
 * a prefix. FTS5 operators and column filters in the input are plain words here.
 * Null when nothing searchable is left.
 */
export function toFtsQuery(q: string): string | null {
  const parts: string[] = [];
  for (const match of q.matchAll(/"([^"]*)"?|(\S+)/g)) {
    const [, phrase, bare] = match;
    if (phrase !== undefined) {
      const words = phrase.split(WORD_SEPARATORS).filter(Boolean);
      if (words.length) parts.push(`"${words.join(' ')}"`);
    } else if (bare !== undefined) {
      const prefix = bare.endsWith('*');
      const words = bare.split(WORD_SEPARATORS).filter(Boolean);
      for (const [index, word] of words.entries())
        parts.push(`"${word}"${prefix && index === words.length - 1 ? '*' : ''}`);
    }
  }
  return parts.length ? parts.slice(0, MAX_QUERY_PARTS).join(' ') : null;
}

// Marks of the matched words in `highlight()`; control characters cannot be typed in a term.
const OPEN = '\u0001';
const CLOSE = '\u0002';

/**
 * Matching terms of the version of each terminology document the caller is shown (the
 * latest it may see), when that version is not withdrawn, in the order the terms were
 * published: the cursor is the term's sequence number (the FTS rowid). Every version's
 * terms are in the index; only the caller's own view of each document is searched.
 */
function searchTerms(
  db: PortalDb,
  caller: Caller,
  filter: { match: string; state?: string; language?: string; afterId: number | null; limit: number },
) {
  let query = db.kysely
    .selectFrom('glossary_fts')
    .innerJoin('glossary_terms', 'glossary_terms.id', 'glossary_fts.rowid')
    .innerJoin('document_versions', (join) =>
      join
        .onRef('document_versions.document_id', '=', 'glossary_terms.document_id')
        .onRef('document_versions.version', '=', 'glossary_terms.version'),
    )
    .select([
      'glossary_terms.id',
      'glossary_terms.term',
      'glossary_terms.definition',
      'glossary_terms.language',
      'glossary_terms.document_id',
      'glossary_terms.version',
      'document_versions.state_id',
      'document_versions.title',
      'document_versions.tlp',
      sql<string>`snippet(glossary_fts, -1, '**', '**', '…', 24)`.as('snippet'),
      // Matched words marked in each column, for a score computed from this row alone
      // (bm25() would weigh in every indexed row, those the caller may not see too).
      sql<string>`highlight(glossary_fts, 0, ${OPEN}, ${CLOSE})`.as('term_marked'),
      sql<string>`highlight(glossary_fts, 1, ${OPEN}, ${CLOSE})`.as('definition_marked'),
    ])
    .where(sql<boolean>`glossary_fts MATCH ${filter.match}`)
    .where('document_versions.status', '=', 'active')
    .where('document_versions.version', '=', shownVersionOf(caller, 'glossary_terms.document_id'))
    .orderBy('glossary_fts.rowid')
    .limit(filter.limit + 1);
  if (filter.afterId !== null) query = query.where('glossary_fts.rowid', '>', filter.afterId);
  if (filter.state) query = query.where('document_versions.state_id', '=', filter.state);
  if (filter.language) query = query.where(languageMatches('glossary_terms.language', filter.language));
  return query.execute();
}

const words = (text: string) => text.split(WORD_SEPARATORS).filter(Boolean).length;

/** The share of a column's words that the query matched, from `highlight()`'s marks. */
function matchedShare(marked: string): number {
  const total = words(marked.replaceAll(OPEN, '').replaceAll(CLOSE, ''));
  if (!total) return 0;
  let matched = 0;
  for (const part of marked.split(OPEN).slice(1)) matched += words(part.split(CLOSE)[0] ?? '');
  return Math.min(1, matched / total);
}

/**
 * How well a hit matches, from the hit's own text only: the share of the term's words the
 * query matched, counted twice, plus the share of the definition's, negated so that lower
 * is better (as SQLite's bm25). -3 is a perfect match of both. No other row, visible or
 * not, changes it.
 */
export function hitScore(termMarked: string, definitionMarked: string): number {
  const score = -(2 * matchedShare(termMarked) + matchedShare(definitionMarked));
  return Math.round(score * 1e6) / 1e6 || 0;
}

export const glossary = new Hono<AppEnv>().get('/search', operation('searchGlossary'), async (c) => {
  const { q, state, language, cursor, limit = 100 } = c.get('input').query;
  const match = toFtsQuery(q);
  if (!match)
    throw problems.badRequest('invalid-parameter', 'The query has no word to search for.', [
      { parameter: 'q', in: 'query', detail: 'no letters or digits to search for' },
    ]);
  const rows = await searchTerms(c.get('deps').db, c.get('caller'), {
    match,
    state,
    language,
    afterId: decodeCursor(cursor),
    limit,
  });
  return c.json(
    toPage(
      rows,
      limit,
      (row) => row.id,
      (row): GlossaryHit => ({
        term: row.term,
        definition: row.definition,
        language: row.language,
        snippet: row.snippet,
        score: hitScore(row.term_marked, row.definition_marked),
        state: row.state_id,
        document_id: row.document_id,
        document_version: row.version,
        document_title: row.title,
        tlp: row.tlp,
        document_href: documentHref(row.document_id),
      }),
    ) satisfies components['schemas']['GlossarySearchPage'],
  );
});
