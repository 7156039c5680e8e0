/**
 * What you read is what was signed, for every kind of record: each write of the contract
 * is verified end to end through the typed client (the portal's signature against the
 * pinned JWKS, the author's signature and key registration, inclusion) and the record the
 * portal serves is compared with the fields its author signed. Honest records all match;
 * one stored field changed behind the portal's back is named.
 */
import { describe, expect, it } from 'vitest';
import { ok, type PortalClient, type Schemas } from '../clients/typescript/src/index.ts';
import { documentBody, fileContent, pdfBytes } from './support/documents.ts';
import { incidentBody, requestBody } from './support/incidents.ts';
import { contactBody, createTestPortal, type TestPortal } from './support/portal.ts';
import { typedClient, typedVerifier } from './support/typed.ts';

const DAY_MS = 24 * 3600 * 1000;

async function state(portal: TestPortal, id: string): Promise<PortalClient> {
  return typedClient(
    portal,
    await portal.registerState(id, { scopes: ['read', 'contacts:write', 'incidents:write', 'documents:write'] }),
  );
}

describe('served records equal the signed evidence', () => {
  it('for every kind of write, and names a field edited in the database', async () => {
    const portal = await createTestPortal();
    const secretariat = await typedClient(portal, portal.secretariat);
    const austria = await state(portal, 'AT');
    const belgium = await state(portal, 'BE');
    const written: { what: string; attestation: string }[] = [];
    const keep = (what: string, answer: { attestation: { id: string } }) =>
      written.push({ what, attestation: answer.attestation.id });

    const contact = await ok(
      austria.POST('/contacts', {
        body: contactBody({
          notes: 'Call first',
          effective_at: '2026-11-27T10:00:00+01:00',
        }) as Schemas['ContactInput'],
      }),
    );
    keep('createContact', contact);
    keep(
      'updateContact',
      await ok(
        austria.PUT('/contacts/{contactId}', {
          params: { path: { contactId: contact.data.id }, header: { 'If-Match': '"1"' } },
          body: contactBody({ name: 'Bernd Huber' }) as Schemas['ContactInput'],
        }),
      ),
    );
    keep(
      'confirmContacts',
      await ok(
        austria.POST('/states/{stateId}/confirmations', {
          params: { path: { stateId: 'AT' } },
          body: { note: 'All current' },
        }),
      ),
    );
    const second = await ok(
      austria.POST('/contacts', { body: contactBody({ role: 'policy' }) as Schemas['ContactInput'] }),
    );
    keep(
      'withdrawContact',
      await ok(
        austria.POST('/contacts/{contactId}/withdraw', {
          params: { path: { contactId: second.data.id }, header: { 'If-Match': '"1"' } },
          body: { reason: 'left the post' },
        }),
      ),
    );
    keep(
      'startCheck',
      await ok(
        secretariat.POST('/checks', {
          body: { deadline: new Date(Date.parse('2026-11-27T09:00:00Z') + DAY_MS).toISOString(), message: 'Ping' },
        }),
      ),
    );
    const markdown = await ok(austria.POST('/documents', { body: documentBody() as Schemas['DocumentInput'] }));
    keep('createDocument', markdown);
    keep(
      'updateDocument',
      await ok(
        austria.PUT('/documents/{documentId}', {
          params: { path: { documentId: markdown.data.id }, header: { 'If-Match': '"1"' } },
          body: documentBody({ title: 'Revised' }) as Schemas['DocumentInput'],
        }),
      ),
    );
    const bytes = pdfBytes();
    keep(
      'createDocument (file)',
      await ok(
        austria.POST('/documents', {
          body: documentBody({ content: await fileContent(bytes), tlp: 'TLP:GREEN' }) as Schemas['DocumentInput'],
        }),
      ),
    );
    const incident = await ok(austria.POST('/incidents', { body: incidentBody() as Schemas['IncidentInput'] }));
    keep('createIncident', incident);
    keep(
      'addIncidentReport',
      await ok(
        austria.POST('/incidents/{incidentId}/reports', {
          params: { path: { incidentId: incident.data.id } },
          body: { stage: 'notification', summary: 'Confirmed.', sectors: ['banking'] },
        }),
      ),
    );
    keep(
      'acknowledgeIncident',
      await ok(
        belgium.POST('/incidents/{incidentId}/acknowledgements', {
          params: { path: { incidentId: incident.data.id } },
          body: {},
        }),
      ),
    );
    const request = await ok(austria.POST('/requests', { body: requestBody() as Schemas['ConsultationRequestInput'] }));
    keep('createRequest', request);
    keep(
      'respondToRequest',
      await ok(
        belgium.POST('/requests/{requestId}/responses', {
          params: { path: { requestId: request.data.id } },
          body: { action: 'answer', body: 'Here is what we know.' },
        }),
      ),
    );
    // CBMs 2, 10, 11, 13, 15 (issue 16).
    const cbmBody = {
      kind: 'national-cert',
      name: 'CERT.at',
      mandate: 'Incident coordination.',
      sectors: ['energy'],
      languages: ['de'],
      reach: { email: 'team@cert.example.at' },
    } satisfies Schemas['BodyInput'];
    const body = await ok(austria.POST('/bodies', { body: cbmBody }));
    keep('createBody', body);
    keep(
      'updateBody',
      await ok(
        austria.PUT('/bodies/{bodyId}', {
          params: { path: { bodyId: body.data.id }, header: { 'If-Match': '"1"' } },
          body: { ...cbmBody, sectors: ['transport'] },
        }),
      ),
    );
    keep(
      'createContact (ci-authority)',
      await ok(
        austria.POST('/contacts', {
          body: contactBody({
            role: 'ci-authority',
            sectors: ['energy'],
            body_id: body.data.id,
          }) as Schemas['ContactInput'],
        }),
      ),
    );
    const channel = await ok(
      austria.POST('/channels', {
        body: {
          medium: 'email',
          exchanges: ['consultation'],
          address: 'cbm@example.at',
          key: { type: 'openpgp', fingerprint: 'B'.repeat(40) },
        },
      }),
    );
    keep('createChannel', channel);
    keep(
      'withdrawChannel',
      await ok(
        austria.POST('/channels/{channelId}/withdraw', {
          params: { path: { channelId: channel.data.id }, header: { 'If-Match': '"1"' } },
          body: { reason: 'replaced' },
        }),
      ),
    );
    const meeting = await ok(
      secretariat.POST('/meetings', {
        body: { title: 'IWG', starts_at: '2027-02-01T09:00:00+01:00', online: true, agenda: ['CBM 8'] },
      }),
    );
    keep('createMeeting', meeting);
    keep(
      'confirmMeetingParticipation',
      await ok(
        belgium.POST('/meetings/{meetingId}/participations', {
          params: { path: { meetingId: meeting.data.id } },
          body: { note: 'Two experts' },
        }),
      ),
    );

    const verifier = await typedVerifier(austria);
    const outcomes: [string, string][] = [];
    for (const { what, attestation } of written) {
      const { served } = await verifier.record(attestation);
      outcomes.push([what, served.status]);
    }
    expect(outcomes).toEqual(written.map(({ what }) => [what, 'matches']));

    // Austria's contact name edited in the stored version, behind the portal's back.
    portal.sqlite
      .prepare('UPDATE contact_versions SET name = ? WHERE contact_id = ? AND version = 2')
      .run('Mallory', contact.data.id);
    const updated = written.find((entry) => entry.what === 'updateContact')!.attestation;
    await expect(verifier.record(updated)).rejects.toThrow(
      `the record the portal serves at /contacts/${contact.data.id}/history differs from what AT signed: name`,
    );
    // The other version was not touched.
    await expect(verifier.record(written[0]!.attestation)).resolves.toMatchObject({ served: { status: 'matches' } });

    // A competent body's mandate edited in its stored version.
    portal.sqlite
      .prepare(
        "UPDATE entry_versions SET data = json_set(data, '$.mandate', 'Nothing') WHERE entry_id = ? AND version = 1",
      )
      .run(body.data.id);
    const createdBody = written.find((entry) => entry.what === 'createBody')!.attestation;
    await expect(verifier.record(createdBody)).rejects.toThrow(
      `the record the portal serves at /bodies/${body.data.id}/history differs from what AT signed: mandate`,
    );
  });
});
