/**
 * Reads never write, on every runtime: every GET operation of the contract, asked as each
 * kind of caller (anonymous, states, the Secretariat) over a portal holding one record of
 * every kind, leaves every table exactly as it was. The operations come from the contract
 * itself, so a new GET is covered (or this test fails until it is told the parameters).
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { specDocument } from '../../src/generated/spec.ts';
import { contactBody, ORIGIN, type PortalHarness, type TestClient } from '../support/harness.ts';
import { documentBody, fileContent, pdfBytes, terminologyBody, upload } from '../support/documents.ts';
import { created, incidentBody, INCIDENT_SCOPES, requestBody } from '../support/incidents.ts';

type MakePortal = () => Promise<PortalHarness>;

/** Every row of every table, as one string: equal before and after means nothing was written. */
export async function databaseState(portal: Pick<PortalHarness, 'db'>): Promise<string> {
  const tables = await sql<{
    name: string;
  }>`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name`.execute(
    portal.db.kysely,
  );
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(portal.db.kysely);
    const serialised = rows.rows.map((row) =>
      JSON.stringify(row, (_key, value: unknown) =>
        value instanceof Uint8Array || value instanceof ArrayBuffer ? [...new Uint8Array(value)] : value,
      ),
    );
    parts.push(`${name}: ${serialised.sort().join('\n')}`);
  }
  return parts.join('\n\n');
}

interface Ids {
  [name: string]: string;
}

/** A portal holding a record of every kind the GET operations read. */
async function populated(portal: PortalHarness): Promise<{ ids: Ids; callers: [string, TestClient | null][] }> {
  const at = await portal.registerState('AT', { scopes: ['contacts:write', 'documents:write', ...INCIDENT_SCOPES] });
  const be = await portal.registerState('BE', { scopes: ['contacts:write', ...INCIDENT_SCOPES] });
  const contact = await created<{ id: string }>(at, '/contacts', contactBody());
  expect((await be.post('/contacts', contactBody({ name: 'Bea Baert' }))).status).toBe(201);
  expect((await at.post('/states/AT/confirmations', {})).status).toBe(201);
  const check = await created<{ id: string }>(portal.secretariat, '/checks', { deadline: '2026-11-27T12:00:00.000Z' });
  expect((await at.post(`/checks/${check.data.id}/acknowledgements`, { contact_id: contact.data.id })).status).toBe(
    201,
  );
  const incident = await created<{ id: string }>(at, '/incidents', incidentBody());
  expect((await be.post(`/incidents/${incident.data.id}/acknowledgements`, {})).status).toBe(201);
  const request = await created<{ id: string }>(at, '/requests', requestBody());
  expect((await be.post(`/requests/${request.data.id}/responses`, { action: 'accept' })).status).toBe(201);
  const bytes = pdfBytes();
  const document = await created<{ id: string }>(at, '/documents', documentBody({ content: await fileContent(bytes) }));
  const uploaded = await upload(at, document.data.id, bytes);
  expect(uploaded.status).toBe(201);
  const terms = await created<{ id: string }>(
    at,
    '/documents',
    terminologyBody([{ term: 'critical infrastructure', definition: 'Assets essential to society.' }]),
  );
  const body = await created<{ id: string }>(at, '/bodies', {
    kind: 'regulator',
    name: 'RTR',
    mandate: 'Regulates telecoms.',
    languages: ['de'],
    reach: { email: 'info@rtr.example.at' },
  });
  const channel = await created<{ id: string }>(at, '/channels', {
    medium: 'portal',
    exchanges: ['documents'],
    address: 'AT',
  });
  const meeting = await created<{ id: string }>(portal.secretariat, '/meetings', {
    title: 'IWG',
    starts_at: '2026-12-01T09:00:00Z',
    place: 'Vienna',
    agenda: ['CBM 11'],
  });
  expect((await be.post(`/meetings/${meeting.data.id}/participations`, {})).status).toBe(201);
  const keys = (await (await at.get('/principals/AT/keys')).json()) as { items: { kid: string }[] };
  return {
    ids: {
      principalId: 'AT',
      kid: keys.items[0]!.kid,
      contactId: contact.data.id,
      stateId: 'AT',
      // The upload's: its evidence body is the file, served from the blob store.
      attestationId: ((await uploaded.json()) as { attestation: { id: string } }).attestation.id,
      checkId: check.data.id,
      incidentId: incident.data.id,
      reportNo: '1',
      requestId: request.data.id,
      documentId: document.data.id,
      termsDocumentId: terms.data.id,
      bodyId: body.data.id,
      channelId: channel.data.id,
      meetingId: meeting.data.id,
    },
    callers: [
      ['anonymous', null],
      ['AT', at],
      ['BE', be],
      ['secretariat', portal.secretariat],
    ],
  };
}

/** Required query parameters, per operation. */
const QUERIES: Record<string, string> = {
  getInclusionProof: 'leaf_index=2&tree_size=4',
  getConsistencyProof: 'first=2&second=4',
  listLogEntries: 'start=0&end=4',
  searchGlossary: 'q=infrastructure',
};

/** Every GET operation of the contract, with real parameters filled in. */
function getOperations(ids: Ids): { operationId: string; path: string; isPublic: boolean }[] {
  const paths = specDocument.paths as Record<string, { get?: { operationId: string; security?: unknown[] } }>;
  return Object.entries(paths)
    .filter(([, item]) => item.get)
    .map(([template, item]) => {
      const operation = item.get!;
      const path = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
        // The glossary lives in the terminology document.
        const value =
          operation.operationId === 'listDocumentTerms' && name === 'documentId' ? ids.termsDocumentId : ids[name];
        if (value === undefined)
          throw new Error(`reads test: no value for {${name}} of ${operation.operationId}; add one`);
        return encodeURIComponent(value);
      });
      const query = QUERIES[operation.operationId];
      return {
        operationId: operation.operationId,
        path: query ? `${path}?${query}` : path,
        isPublic: Array.isArray(operation.security) && operation.security.length === 0,
      };
    });
}

export function readsSuite(runtime: string, makePortal: MakePortal) {
  describe(`reads on ${runtime}`, () => {
    it('never write: every GET of the contract, as every kind of caller, leaves every table unchanged', async () => {
      const portal = await makePortal();
      const { ids, callers } = await populated(portal);
      const operations = getOperations(ids);
      expect(operations.length).toBeGreaterThanOrEqual(38);
      await portal.logClock.tick();
      const before = await databaseState(portal);
      const answered: string[] = [];
      for (const { operationId, path, isPublic } of operations) {
        for (const [who, client] of callers) {
          if (client === null && !isPublic) continue;
          const res = client
            ? await client.get(path, { headers: { accept: '*/*' } })
            : await portal.fetch(new Request(`${ORIGIN}${path}`, { headers: { accept: '*/*' } }));
          // Each answer is a real one (a record, or 404 for what the caller may not see), never a failure.
          expect(res.status, `${operationId} as ${who}: ${res.status}`).toBeLessThan(500);
          expect([200, 404], `${operationId} as ${who}`).toContain(res.status);
          await res.arrayBuffer();
          answered.push(`${operationId} ${who} ${res.status}`);
        }
        // Once per operation (reading every table after each request is slow on D1).
        expect(await databaseState(portal), `${operationId} changed the database`).toBe(before);
      }
      // The log's reads in particular, and a record each caller may see, answered 200.
      for (const line of [
        'getLogCheckpoint anonymous 200',
        'getInclusionProof AT 200',
        'getConsistencyProof BE 200',
        'listLogEntries secretariat 200',
        'getContact BE 200',
        'getDocumentContent AT 200',
        'getBody BE 200',
        'listMeetingParticipations AT 200',
        'getImplementationOverview secretariat 200',
      ]) {
        expect(answered).toContain(line);
      }
    }, 120_000);
  });
}
