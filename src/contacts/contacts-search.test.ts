/**
 * Directory text search (`GET /contacts?q=`, issue 11 follow-up): the whole directory is
 * searched by the portal, not the page the browser happens to hold; name, organisation and
 * e-mail, ignoring case; other filters and pages still apply; bad input is a 400 that
 * changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { contactBody } from '../../test/support/harness.ts';
import { createTestPortal } from '../../test/support/portal.ts';
import { textVariants } from './repo.ts';

interface Page {
  items: { id: string; name: string; state: string }[];
  next_cursor: string | null;
}

describe('contacts: text search', () => {
  it('matches name, organisation or e-mail ignoring case, across pages, with the other filters', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const de = await portal.registerState('DE');
    const post = async (client: typeof at, body: Record<string, unknown>) => {
      const res = await client.post('/contacts', contactBody(body));
      expect(res.status).toBe(201);
      return ((await res.json()) as { data: { id: string } }).data.id;
    };
    for (let index = 0; index < 5; index += 1) await post(at, { name: `Filler ${index}`, organisation: 'Ministry' });
    const muller = await post(de, { name: 'Jörg Müller', organisation: 'BSI', email: 'joerg@bsi.example.de' });
    const cert = await post(at, { name: 'Eva Roth', organisation: 'CERT.at', email: 'eva@cert.example.at' });
    const mail = await post(de, { name: 'Duty desk', organisation: 'BSI', email: 'Lagezentrum@BSI.example.de' });
    const percent = await post(at, { name: '100% Uptime team', organisation: 'Ministry' });

    // Encoded as a browser sends it (the token signs the path and query exactly as sent).
    const search = async (query: string) => {
      const res = await at.get(`/contacts?${query.replace(/[^\x21-\x7e]/gu, encodeURIComponent)}`);
      expect(res.status, query).toBe(200);
      return (await res.json()) as Page;
    };
    const ids = async (query: string) => (await search(query)).items.map((item) => item.id);
    expect(await ids('q=müller')).toEqual([muller]);
    expect(await ids('q=MÜLLER')).toEqual([muller]);
    expect(await ids('q=jörg mü')).toEqual([muller]);
    expect(await ids('q=cert.AT')).toEqual([cert]);
    expect(await ids('q=lagezentrum')).toEqual([mail]);
    expect(await ids('q=bsi')).toEqual([muller, mail]);
    expect(await ids('q=bsi&state=AT')).toEqual([]);
    // LIKE's wildcards are text here: "%" finds the one name with a percent sign, "_" none.
    expect(await ids('q=%25')).toEqual([percent]);
    expect(await ids('q=_')).toEqual([]);
    // Past the first page: the second match is found on the portal, not in what was loaded.
    const first = await search('q=bsi&limit=1');
    expect(first.items.map((item) => item.id)).toEqual([muller]);
    const second = await search(`q=bsi&limit=1&cursor=${first.next_cursor}`);
    expect(second.items.map((item) => item.id)).toEqual([mail]);

    // Withdrawn contacts only with status=all, as without q.
    const etag = (await at.get(`/contacts/${cert}`)).headers.get('etag')!;
    const withdrawn = await at.post(
      `/contacts/${cert}/withdraw`,
      { reason: 'left' },
      { headers: { 'if-match': etag } },
    );
    expect(withdrawn.status).toBe(200);
    expect(await ids('q=eva')).toEqual([]);
    expect(await ids('q=eva&status=all')).toEqual([cert]);
  });

  it('refuses an empty or overlong q with 400 naming the parameter', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    for (const q of ['', 'x'.repeat(101)]) {
      const res = await at.get(`/contacts?q=${q}`);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { errors: { parameter: string; in: string }[] };
      expect(problem.errors).toEqual([expect.objectContaining({ parameter: 'q', in: 'query' })]);
    }
    expect((await at.get(`/contacts?q=${'x'.repeat(100)}`)).status).toBe(200);
  });

  it('tries the text as typed, lower, upper and capitalised', () => {
    expect(textVariants('jörg mü')).toEqual(['jörg mü', 'JÖRG MÜ', 'Jörg Mü']);
    expect(textVariants('рос')).toEqual(['рос', 'РОС', 'Рос']);
  });
});
