import { describe, expect, it } from 'vitest';
import { publish, registerPublisher, search, terminologyBody } from '../../test/support/documents.ts';
import { count, createTestPortal } from '../../test/support/portal.ts';
import { hitScore, toFtsQuery } from './glossary.ts';

describe('glossary: the query language', () => {
  it.each([
    ['critical infrastructure', '"critical" "infrastructure"'],
    ['"critical infrastructure"', '"critical infrastructure"'],
    ['infra*', '"infra"*'],
    ['Kritische  Infrastruktur', '"Kritische" "Infrastruktur"'],
    ['NEAR(a b) OR c:', '"NEAR" "a" "b" "OR" "c"'],
    ['"unbalanced phrase', '"unbalanced phrase"'],
    ['e-mail', '"e" "mail"'],
    ['   ', null],
    ['"" * - ^', null],
  ])('turns %j into %j', (input, expected) => {
    expect(toFtsQuery(input)).toBe(expected);
  });
});

describe('glossary: the score', () => {
  const marked = (text: string) => text.replace(/\[/g, '\u0001').replace(/\]/g, '\u0002');
  it.each([
    ['[Critical] [infrastructure]', 'Facilities whose failure endangers public safety.', -2],
    ['[Critical] [infrastructure]', '[Critical] [infrastructure] means essential services.', -2.4],
    ['Kritische Infrastrukturen', 'Organisationen ([critical] [infrastructure]).', -0.666667],
    ['[Resilience]', '', -2],
    ['', '', 0],
  ])('rates %j / %j as %d from the hit alone (lower is better)', (term, definition, expected) => {
    expect(hitScore(marked(term), marked(definition))).toBe(expected);
  });
});

describe('glossary: search', () => {
  it('finds current terms only: a new version replaces them, a withdrawal removes them', async () => {
    const portal = await createTestPortal();
    const at = await registerPublisher(portal, 'AT');
    const { data } = await publish(
      at,
      terminologyBody([{ term: 'Critical infrastructure', definition: 'First definition.' }]),
    );
    expect(count(portal.sqlite, 'glossary_fts')).toBe(1);
    expect((await search(at, 'q=first')).items).toHaveLength(1);

    expect(
      (
        await at.put(
          `/documents/${data.id}`,
          terminologyBody([
            { term: 'Critical infrastructure', definition: 'Second definition.' },
            { term: 'Resilience', definition: 'Ability to recover.' },
          ]),
          { headers: { 'if-match': '"1"' } },
        )
      ).status,
    ).toBe(200);
    expect((await search(at, 'q=first')).items).toEqual([]);
    expect((await search(at, 'q=second')).items.map((hit) => [hit.document_version, hit.definition])).toEqual([
      [2, 'Second definition.'],
    ]);
    // Every version's terms stay indexed: readers of version 1 alone still search it.
    expect(count(portal.sqlite, 'glossary_terms')).toBe(3);
    expect(count(portal.sqlite, 'glossary_fts')).toBe(3);

    expect((await at.post(`/documents/${data.id}/withdraw`, {}, { headers: { 'if-match': '"2"' } })).status).toBe(200);
    expect((await search(at, 'q=critical')).items).toEqual([]);
    expect((await search(at, 'q=resilience')).items).toEqual([]);
    // The withdrawn version keeps its terms for the record.
    expect(
      ((await (await at.get(`/documents/${data.id}/terms?version=3`)).json()) as { items: unknown[] }).items,
    ).toHaveLength(2);
  });

  it('pages hits in publication order with a stable cursor, and ranks them with a score', async () => {
    const portal = await createTestPortal();
    const states = ['AT', 'BE', 'DE', 'FR', 'IT'];
    for (const state of states) {
      const client = await registerPublisher(portal, state);
      await publish(
        client,
        terminologyBody([
          {
            term: 'Critical infrastructure',
            definition: `How ${state} defines critical infrastructure: essential services.`,
          },
        ]),
      );
    }
    const reader = await portal.registerState('NL');
    const seen: string[] = [];
    let query = 'q=%22critical%20infrastructure%22&limit=2';
    for (;;) {
      const page = await search(reader, query);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((hit) => hit.state));
      for (const hit of page.items) expect(typeof hit.score).toBe('number');
      if (!page.next_cursor) break;
      query = `q=%22critical%20infrastructure%22&limit=2&cursor=${page.next_cursor}`;
    }
    expect(seen).toEqual(states);
  });

  it('scores and orders a hit from its own row only: terms the caller may not see change neither', async () => {
    const portal = await createTestPortal();
    const at = await registerPublisher(portal, 'AT');
    const be = await registerPublisher(portal, 'BE');
    await portal.registerState('FR');
    const reader = await portal.registerState('NL');
    await publish(
      at,
      terminologyBody([
        { term: 'Critical infrastructure', definition: 'Essential services whose failure harms the public.' },
      ]),
    );
    await publish(
      at,
      terminologyBody([{ term: 'Infrastructure', definition: 'Critical or not, the installations of a state.' }]),
    );
    const before = await search(reader, 'q=critical');
    expect(before.items.map((hit) => [hit.term, hit.score])).toEqual([
      ['Critical infrastructure', -1],
      ['Infrastructure', -0.125],
    ]);

    // bm25() weighs a word by how rare it is among ALL indexed rows: these restricted
    // glossaries, full of the word, would have moved the reader's scores.
    for (let index = 0; index < 5; index += 1) {
      await publish(
        be,
        terminologyBody([{ term: `Critical critical ${index}`, definition: 'critical '.repeat(20) }], {
          tlp: 'TLP:RED',
          recipients: ['FR'],
        }),
      );
    }
    expect(await search(reader, 'q=critical')).toEqual(before);
    expect((await search(be, 'q=critical')).items).toHaveLength(7);
  });

  it('answers 400 for a query with nothing to search and never a 500 for FTS5 syntax', async () => {
    const portal = await createTestPortal();
    const at = await registerPublisher(portal, 'AT');
    await publish(at, terminologyBody([{ term: 'Near miss', definition: 'An event OR a condition.' }]));
    const empty = await at.get('/glossary/search?q=%22%22%20*');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { errors: { parameter: string }[] }).errors[0]?.parameter).toBe('q');
    expect((await at.get('/glossary/search')).status).toBe(400);
    for (const q of ['NEAR(', 'a OR', 'term:near', 'AND NOT', '^near', 'near-miss', '"near', 'near*)']) {
      const res = await at.get(`/glossary/search?q=${encodeURIComponent(q)}`);
      expect([q, res.status]).toEqual([q, 200]);
    }
    for (const q of ['"', '(((', '*']) {
      const res = await at.get(`/glossary/search?q=${encodeURIComponent(q)}`);
      expect([q, res.status]).toEqual([q, 400]);
    }
    expect((await search(at, 'q=near%20OR')).items.map((hit) => hit.term)).toEqual(['Near miss']);
    expect(portal.logged).toEqual([]);
  });
});
