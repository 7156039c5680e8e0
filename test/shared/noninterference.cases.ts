/**
 * Non-interference (DESIGN.md section 8; issue 9 item 3): no answer to a principal depends
 * on a record it may not see. Every GET operation of the contract is read by an observer
 * before and after other states add records the observer may not see, and the answers
 * must be byte-identical: status, body, ETag and the other headers that describe the
 * representation. Only the public log may differ, where it says how much was written (the
 * checkpoint, the integrated size of /log/entries); the reads of the log ask about the
 * tree as it was before, so their proofs and entries must be identical too.
 *
 * The operations come from the contract itself: a GET operation added without a read
 * here fails the first test. A difference found here is a leak to fix, never a field to
 * normalise away.
 */
import { describe, expect, it } from 'vitest';
import { specDocument } from '../../src/generated/spec.ts';
import { documentBody, fileContent, pdfBytes, terminologyBody, upload } from '../support/documents.ts';
import type { HarnessOptions, PortalHarness, TestClient } from '../support/harness.ts';
import { contactBody, START } from '../support/harness.ts';
import { incidentBody, requestBody } from '../support/incidents.ts';

type MakePortal = (options?: HarnessOptions) => Promise<PortalHarness>;

const SCOPES = ['read', 'contacts:write', 'documents:write', 'incidents:write'];
const UNKNOWN = '019ac1e2-0000-7000-8000-00000000abcd';
const HOUR_MS = 3600 * 1000;
const CRITICAL = 'Critical infrastructure';

/** The operationIds of every GET in the contract. */
export function getOperations(): string[] {
  const ids: string[] = [];
  for (const item of Object.values(specDocument.paths as Record<string, { get?: { operationId?: string } }>)) {
    if (item.get?.operationId) ids.push(item.get.operationId);
  }
  return ids.sort();
}

async function json<T>(res: Response, status = 201): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

interface Written {
  data: { id: string; attestation_id?: string };
  attestation: { id: string };
}

const post = (client: TestClient, path: string, body: unknown) =>
  client.post(path, body).then((res) => json<Written>(res));
const put = (client: TestClient, path: string, body: unknown, etag: string) =>
  client.put(path, body, { headers: { 'if-match': etag } }).then((res) => json<Written>(res, 200));
const withdraw = (client: TestClient, path: string, etag: string) =>
  client
    .post(`${path}/withdraw`, { reason: 'superseded' }, { headers: { 'if-match': etag } })
    .then((res) => json<Written>(res, 200));

/** The records of the world every observer starts from, by name. */
interface World {
  kid: string;
  contact: string;
  check: string;
  /** A competent body, a channel, an expert meeting (directory: everyone sees them). */
  entries: { body: string; channel: string; meeting: string };
  /** Named ones: re-addressed away from the observer, and a file uploaded for a later version. */
  documents: Record<string, string> & Record<'shared' | 'pendingFile', string>;
  incidents: Record<string, string>;
  requests: Record<string, string>;
  /** Attestations of records the observers may see (some of them). */
  attestations: string[];
  /** The integrated log size when the observers first read. */
  logSize: number;
}

/** The world of states AT, BE (the observer), FR and DE, each holding every scope. */
async function buildWorld(portal: PortalHarness) {
  const [at, be, fr, de] = await Promise.all(
    ['AT', 'BE', 'FR', 'DE'].map((id) => portal.registerState(id, { scopes: SCOPES })),
  );
  const states = { at: at!, be: be!, fr: fr!, de: de! };
  const attestations: string[] = [];
  const keep = (written: Written) => {
    attestations.push(written.attestation.id);
    return written.data.id;
  };

  // The directory and a communication check (no TLP: everyone sees them).
  const contact = keep(await post(states.at, '/contacts', contactBody()));
  await post(states.be, '/contacts', contactBody({ name: 'Bart Peeters', email: 'duty@cert.example.be' }));
  keep(await post(states.be, '/states/BE/confirmations', { note: 'all current' }));
  const check = keep(
    await post(portal.secretariat, '/checks', { deadline: new Date(Date.parse(START) + HOUR_MS).toISOString() }),
  );
  keep(await post(states.at, `/checks/${check}/acknowledgements`, { contact_id: contact }));
  const entries = {
    body: keep(
      await post(states.at, '/bodies', {
        kind: 'national-cert',
        name: 'CERT.at',
        mandate: 'Incident coordination.',
        sectors: ['energy'],
        languages: ['de'],
        reach: { email: 'team@cert.example.at' },
      }),
    ),
    channel: keep(
      await post(states.at, '/channels', { medium: 'email', exchanges: ['consultation'], address: 'cbm@example.at' }),
    ),
    meeting: keep(
      await post(portal.secretariat, '/meetings', { title: 'IWG', starts_at: START, online: true, agenda: ['CBM 8'] }),
    ),
  };
  keep(await post(states.be, `/meetings/${entries.meeting}/participations`, {}));

  // Documents the observer BE may see.
  const bytes = pdfBytes('clear-file', 1500);
  const documents = {
    clearGlossary: keep(
      await post(
        states.at,
        '/documents',
        terminologyBody([
          { term: CRITICAL, definition: 'Assets essential for vital societal functions.' },
          { term: 'Incident', definition: 'An event that compromises critical systems.' },
        ]),
      ),
    ),
    greenStrategy: keep(
      await post(states.de, '/documents', documentBody({ tlp: 'TLP:GREEN', title: 'DE strategy', language: 'de' })),
    ),
    // Shared with BE and FR; later re-addressed to FR alone, then withdrawn (both hidden from BE).
    shared: keep(
      await post(
        states.at,
        '/documents',
        terminologyBody(
          [
            {
              term: 'Kritische Infrastruktur',
              definition: 'Critical infrastructure as the Austrian law defines it.',
              language: 'de',
            },
          ],
          { tlp: 'TLP:AMBER', recipients: ['BE', 'FR'], language: 'de' },
        ),
      ),
    ),
    // Declares a file it never receives; later a version for FR alone uploads the same bytes.
    pendingFile: keep(
      await post(
        states.at,
        '/documents',
        documentBody({ tlp: 'TLP:AMBER', recipients: ['BE'], content: await fileContent(pdfBytes('pending', 1100)) }),
      ),
    ),
    clearFile: keep(
      await post(states.at, '/documents', documentBody({ title: 'Strategy (PDF)', content: await fileContent(bytes) })),
    ),
    own: keep(
      await post(
        states.be,
        '/documents',
        terminologyBody([{ term: 'Critical entity', definition: 'Belgian critical infrastructure operator.' }], {
          tlp: 'TLP:RED',
          recipients: ['AT'],
        }),
      ),
    ),
  };
  attestations.push((await json<Written>(await upload(states.at, documents.clearFile, bytes))).attestation.id);

  // Incidents and consultations the observer may see.
  const incidents = {
    amber: keep(await post(states.at, '/incidents', incidentBody({ recipients: ['BE', 'FR'] }))),
    green: keep(
      await post(
        states.de,
        '/incidents',
        incidentBody({
          tlp: 'TLP:GREEN',
          recipients: undefined,
          stage: 'notification',
          title: 'Ransomware at a DE hospital',
        }),
      ),
    ),
    own: keep(await post(states.be, '/incidents', incidentBody({ recipients: ['AT'], title: 'Phishing wave' }))),
  };
  keep(
    await post(states.at, `/incidents/${incidents.amber}/reports`, {
      stage: 'notification',
      summary: 'Confirmed; mitigations in place.',
    }),
  );
  keep(await post(states.be, `/incidents/${incidents.amber}/acknowledgements`, { note: 'received' }));
  keep(await post(states.be, `/incidents/${incidents.green}/acknowledgements`, {}));
  const requests = {
    amber: keep(
      await post(states.at, '/requests', requestBody({ recipients: ['BE', 'FR'], related_incident: incidents.amber })),
    ),
    green: keep(
      await post(states.de, '/requests', requestBody({ tlp: 'TLP:GREEN', recipients: undefined, type: 'information' })),
    ),
  };
  keep(await post(states.be, `/requests/${requests.amber}/responses`, { action: 'accept' }));
  keep(await post(states.fr, `/requests/${requests.amber}/responses`, { action: 'decline' }));
  keep(
    await post(states.be, `/requests/${requests.green}/responses`, { action: 'answer', body: 'Nothing seen here.' }),
  );

  return {
    states,
    world: { kid: states.at.kid, contact, check, entries, documents, incidents, requests, attestations },
  };
}

type States = Awaited<ReturnType<typeof buildWorld>>['states'];

/**
 * Records the observer BE and the Secretariat may not see: restricted to FR (and AT), new
 * versions of a shared document re-addressed away from BE, uploads for them, incidents,
 * reports, acknowledgements, requests and responses, and glossaries full of the words BE
 * searches for. Returns what a reader would ask for them.
 */
async function addHiddenRecords({ at, fr }: States, world: Omit<World, 'logSize'>) {
  const hidden: { paths: string[]; attestations: string[] } = { paths: [], attestations: [] };
  const keep = (written: Written) => {
    hidden.attestations.push(written.attestation.id);
    return written.data.id;
  };
  const red = { tlp: 'TLP:RED', recipients: ['FR'] };
  const bytes = pdfBytes('hidden-file', 1300);
  for (let index = 0; index < 3; index += 1) {
    const id = keep(
      await post(
        at,
        '/documents',
        terminologyBody(
          [
            {
              term: `${CRITICAL} ${index}`,
              definition: 'critical infrastructure, critical systems, critical services '.repeat(5),
            },
          ],
          { ...red, content: await fileContent(bytes), language: 'de' },
        ),
      ),
    );
    hidden.paths.push(
      `/documents/${id}`,
      `/documents/${id}/history`,
      `/documents/${id}/content`,
      `/documents/${id}/terms`,
    );
    if (index === 0) hidden.attestations.push((await json<Written>(await upload(at, id, bytes))).attestation.id);
  }
  keep(
    await post(
      fr,
      '/documents',
      documentBody({ tlp: 'TLP:AMBER+STRICT', recipients: ['AT'], title: 'FR doctrine', language: 'fr' }),
    ),
  );

  // The shared document goes to France alone from version 2 on, then is withdrawn.
  keep(
    await put(
      at,
      `/documents/${world.documents.shared}`,
      terminologyBody(
        [{ term: 'Infrastructure critique', definition: 'critical infrastructure, version for France' }],
        { ...red, language: 'fr', cbms: [9, 12] },
      ),
      '"1"',
    ),
  );
  keep(await withdraw(at, `/documents/${world.documents.shared}`, '"2"'));
  // The pending file arrives, for a version addressed to France alone.
  const pending = pdfBytes('pending', 1100);
  keep(
    await put(
      at,
      `/documents/${world.documents.pendingFile}`,
      documentBody({ ...red, content: await fileContent(pending) }),
      '"1"',
    ),
  );
  hidden.attestations.push(
    (await json<Written>(await upload(at, world.documents.pendingFile, pending))).attestation.id,
  );

  const incident = keep(
    await post(at, '/incidents', incidentBody({ ...red, title: 'Critical infrastructure outage' })),
  );
  keep(await post(at, `/incidents/${incident}/reports`, { stage: 'notification', summary: 'Still critical.' }));
  keep(await post(fr, `/incidents/${incident}/acknowledgements`, { note: 'seen' }));
  const frIncident = keep(await post(fr, '/incidents', incidentBody({ recipients: ['AT'], title: 'FR incident' })));
  keep(await post(at, `/incidents/${frIncident}/acknowledgements`, {}));
  hidden.paths.push(
    `/incidents/${incident}`,
    `/incidents/${incident}/reports`,
    `/incidents/${incident}/reports/1`,
    `/incidents/${incident}/acknowledgements`,
  );

  const request = keep(await post(at, '/requests', requestBody({ ...red, related_incident: incident })));
  keep(await post(fr, `/requests/${request}/responses`, { action: 'accept' }));
  keep(await post(fr, `/requests/${request}/responses`, { action: 'answer', body: 'Here is what we know.' }));
  hidden.paths.push(`/requests/${request}`, `/requests/${request}/responses`);

  for (const id of hidden.attestations)
    hidden.paths.push(`/attestations/${id}`, `/attestations/${id}/evidence`, `/attestations/${id}/evidence/body`);
  return hidden;
}

/** Records hidden from the Secretariat only: TLP:GREEN goes to the participating states. */
async function addGreenRecords({ de, fr }: States) {
  const green = { tlp: 'TLP:GREEN' };
  await post(
    de,
    '/documents',
    terminologyBody([{ term: CRITICAL, definition: 'critical infrastructure (GREEN)' }], green),
  );
  const incident = (await post(de, '/incidents', incidentBody({ ...green, recipients: undefined }))).data.id;
  await post(fr, `/incidents/${incident}/acknowledgements`, {});
  const request = (await post(de, '/requests', requestBody({ ...green, recipients: undefined }))).data.id;
  await post(fr, `/requests/${request}/responses`, { action: 'accept' });
}

/** Every GET operation of the contract, as the reads an observer makes of the world. */
function reads(w: World): Record<string, string[]> {
  const docs = Object.values(w.documents);
  const incidents = Object.values(w.incidents);
  const requests = Object.values(w.requests);
  const lists = (base: string, queries: string[]) => queries.map((query) => `${base}${query}`);
  return {
    getHealth: ['/healthz'],
    getOpenApiYaml: ['/openapi.yaml'],
    getOpenApiJson: ['/openapi.json'],
    getPortalJwks: ['/.well-known/jwks.json'],
    listPrincipals: ['/principals', '/principals?limit=2'],
    getPrincipal: ['/principals/AT', '/principals/FR', '/principals/secretariat'],
    listPrincipalKeys: ['/principals/AT/keys?status=all', '/principals/FR/keys'],
    getPrincipalKey: [`/principals/AT/keys/${w.kid}`],
    listContacts: ['/contacts', '/contacts?state=AT', '/contacts?q=cert', '/contacts?q=a&limit=1'],
    getContact: [`/contacts/${w.contact}`],
    listContactHistory: [`/contacts/${w.contact}/history`],
    listConfirmations: ['/states/BE/confirmations', '/states/FR/confirmations'],
    getCompliance: ['/states/AT/compliance', '/states/BE/compliance', '/states/FR/compliance'],
    listCompliance: ['/states/compliance', '/states/compliance?limit=1'],
    getAttestation: w.attestations.map((id) => `/attestations/${id}`),
    getAttestationEvidence: w.attestations.map((id) => `/attestations/${id}/evidence`),
    getAttestationEvidenceBody: w.attestations.map((id) => `/attestations/${id}/evidence/body`),
    getLogCheckpoint: ['/log/checkpoint'],
    getInclusionProof: [1, Math.floor(w.logSize / 2), w.logSize - 1].map(
      (leaf) => `/log/proofs/inclusion?leaf_index=${leaf}&tree_size=${w.logSize}`,
    ),
    getConsistencyProof: [
      `/log/proofs/consistency?first=3&second=${w.logSize}`,
      `/log/proofs/consistency?first=${w.logSize}&second=${w.logSize}`,
    ],
    listLogEntries: [`/log/entries?start=0&end=${w.logSize}`],
    // Witness keys are public key material, whatever else is written.
    listLogWitnesses: ['/log/witnesses'],
    listChecks: ['/checks'],
    getCheck: [`/checks/${w.check}`],
    getCheckReport: [`/checks/${w.check}/report`],
    // Newest first too: the same entries backwards, whatever the others wrote after them.
    getFeed: ['/feed', '/feed?limit=5', '/feed?order=desc', '/feed?order=desc&limit=2'],
    listIncidents: lists('/incidents', [
      '',
      '?limit=1',
      '?state=AT',
      '?status=open',
      '?overdue=true',
      '?overdue=false',
    ]),
    getIncident: incidents.map((id) => `/incidents/${id}`),
    listIncidentReports: incidents.map((id) => `/incidents/${id}/reports`),
    getIncidentReport: incidents.map((id) => `/incidents/${id}/reports/1`),
    listIncidentAcknowledgements: incidents.map((id) => `/incidents/${id}/acknowledgements`),
    listRequests: lists('/requests', ['', '?limit=1', '?direction=received', '?direction=sent', '?type=consultation']),
    getRequest: requests.map((id) => `/requests/${id}`),
    listRequestResponses: requests.map((id) => `/requests/${id}/responses`),
    listDocuments: lists('/documents', [
      '',
      '?limit=1',
      '?status=all',
      '?state=AT',
      '?type=terminology',
      '?cbm=9',
      '?cbm=12&status=all',
      '?language=de',
      '?language=fr&status=all',
    ]),
    getDocument: docs.map((id) => `/documents/${id}`),
    listDocumentHistory: docs.map((id) => `/documents/${id}/history`),
    getDocumentContent: docs.flatMap((id) => [
      `/documents/${id}/content`,
      `/documents/${id}/content?version=1`,
      `/documents/${id}/content?version=2`,
    ]),
    listDocumentTerms: docs.flatMap((id) => [`/documents/${id}/terms`, `/documents/${id}/terms?version=1`]),
    searchGlossary: lists('/glossary/search?q=', [
      'critical',
      '%22critical%20infrastructure%22',
      'infra*',
      'critical&limit=1',
      'critical&state=AT',
      'critical&language=de',
      'kritische',
    ]),
    listBodies: ['/bodies', '/bodies?state=AT&sector=energy'],
    getBody: [`/bodies/${w.entries.body}`],
    listBodyHistory: [`/bodies/${w.entries.body}/history`],
    listChannels: ['/channels', '/channels?exchange=consultation'],
    getChannel: [`/channels/${w.entries.channel}`],
    listChannelHistory: [`/channels/${w.entries.channel}/history`],
    listMeetings: ['/meetings', '/meetings?participant=BE'],
    getMeeting: [`/meetings/${w.entries.meeting}`],
    listMeetingHistory: [`/meetings/${w.entries.meeting}/history`],
    listMeetingParticipations: [`/meetings/${w.entries.meeting}/participations`],
    // Counts of documents, requests and incidents: restricted ones must not show.
    getImplementationOverview: ['/overview', '/overview?state=AT', '/overview?state=DE', '/overview?state=FR'],
  };
}

/** A response as the comparison sees it: what describes the representation, and its bytes. */
async function capture(client: TestClient, path: string): Promise<string> {
  const res = await client.get(path);
  const headers = ['content-type', 'etag', 'repr-digest', 'content-disposition', 'location'].map((name) =>
    // The checkpoint's ETag is its digest: the public log's, like its body below.
    name === 'etag' && path === '/log/checkpoint'
      ? `${name}: (the checkpoint's digest)`
      : `${name}: ${res.headers.get(name)}`,
  );
  let body = await res.text();
  if (res.headers.get('content-type')?.startsWith('application/problem+json')) {
    // The request id (`instance`) names this request, not the world.
    const { instance: _instance, ...problem } = JSON.parse(body) as Record<string, unknown>;
    body = JSON.stringify(problem);
  }
  if (path === '/log/checkpoint') body = '(the signed checkpoint: the public log, which may grow)';
  if (path.startsWith('/log/entries')) body = body.replace(/"tree_size":\d+/, '"tree_size":"(the public log size)"');
  return [`${res.status}`, ...headers, body].join('\n');
}

/** Every read, every page of the paged ones (following next_cursor). */
async function observe(client: TestClient, world: World): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for (const [operation, paths] of Object.entries(reads(world))) {
    for (const first of paths) {
      let path: string | null = first;
      for (let page = 0; path && page < 50; page += 1) {
        const answer = await capture(client, path);
        seen.set(`${operation} ${path}`, answer);
        const cursor = /"next_cursor":"([^"]+)"/.exec(answer)?.[1] ?? null;
        const more = first.startsWith('/feed') ? /"has_more":true/.test(answer) : cursor !== null;
        path = more && cursor ? `${first}${first.includes('?') ? '&' : '?'}cursor=${cursor}` : null;
      }
    }
  }
  return seen;
}

/** A refusal as the comparison sees it: status and problem, without the request id. */
async function problemOf(res: Response): Promise<string> {
  const { instance: _instance, ...problem } = (await res.json()) as Record<string, unknown>;
  return `${res.status} ${JSON.stringify(problem)}`;
}

function expectSame(before: Map<string, string>, after: Map<string, string>) {
  const changed = [...before].filter(([read, answer]) => after.get(read) !== answer).map(([read]) => read);
  // Name the reads that changed (and show the first), so a leak is found at once.
  const first = changed[0];
  expect({ changed, before: first && before.get(first), after: first && after.get(first) }).toEqual({
    changed: [],
    before: undefined,
    after: undefined,
  });
  expect([...after.keys()]).toEqual([...before.keys()]);
}

export function noninterferenceSuite(runtime: string, makePortal: MakePortal) {
  describe(`non-interference on ${runtime}`, () => {
    it('reads every GET operation of the contract', () => {
      const covered = Object.keys(
        reads({
          kid: '',
          contact: '',
          check: '',
          entries: { body: '', channel: '', meeting: '' },
          documents: { shared: '', pendingFile: '' },
          incidents: {},
          requests: {},
          attestations: [],
          logSize: 0,
        }),
      ).sort();
      expect(covered).toEqual(getOperations());
    });

    // About 600 reads and 60 writes: seconds on Node, longer inside workerd.
    it('answers a state and the Secretariat the same before and after others add records they may not see', {
      timeout: 120_000,
    }, async () => {
      const portal = await makePortal();
      const { states, world: built } = await buildWorld(portal);
      await portal.logClock.tick();
      const logSize = Number((await states.be.get('/log/checkpoint').then((res) => res.text())).split('\n')[1]);
      const world: World = { ...built, logSize };
      const observers = { BE: states.be, secretariat: portal.secretariat };
      const before = {
        BE: await observe(observers.BE, world),
        secretariat: await observe(observers.secretariat, world),
      };
      // The world is rich enough to leak: the observer sees restricted, shared, green and own records.
      expect(before.BE.get(`getDocument /documents/${world.documents.shared}`)).toMatch(/^200\n/);
      expect(before.BE.get(`searchGlossary /glossary/search?q=critical`)).toContain('"score"');

      const hidden = await addHiddenRecords(states, built);
      await portal.logClock.tick();
      expectSame(before.BE, await observe(observers.BE, world));
      expectSame(before.secretariat, await observe(observers.secretariat, world));

      // TLP:GREEN does not reach the Secretariat: GREEN records change nothing for it.
      await addGreenRecords(states);
      await portal.logClock.tick();
      expectSame(before.secretariat, await observe(observers.secretariat, world));

      // The log withholds the token of every entry the observer may not see.
      const size = Number((await states.be.get('/log/checkpoint').then((res) => res.text())).split('\n')[1]);
      const entries = (await (await states.be.get(`/log/entries?start=${logSize}&end=${size}`)).json()) as {
        entries: { token: string | null; attestation_id?: string }[];
      };
      const shown = entries.entries.filter((entry) => entry.token !== null).map((entry) => entry.attestation_id);
      expect(shown.filter((id) => hidden.attestations.includes(id!))).toEqual([]);
    });

    it('answers a record the caller may not see exactly as one that does not exist, for reads and refused writes', {
      timeout: 60_000,
    }, async () => {
      const portal = await makePortal();
      const { states, world } = await buildWorld(portal);
      const hidden = await addHiddenRecords(states, world);
      const be = states.be;
      const unknownIn = (path: string) =>
        path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, UNKNOWN);
      const idIn = (path: string) => /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(path)![0];
      for (const path of hidden.paths) {
        const seen = (await problemOf(await be.get(path))).replaceAll(idIn(path), '<id>');
        const none = (await problemOf(await be.get(unknownIn(path)))).replaceAll(UNKNOWN, '<id>');
        expect([path, seen]).toEqual([path, none]);
        expect(seen).toMatch(/^404 /);
      }
      // Versions re-addressed away from the observer are as absent as versions never published.
      const shared = world.documents.shared;
      for (const [hiddenVersion, missing] of [
        [`/documents/${shared}/content?version=2`, `/documents/${shared}/content?version=9`],
        [`/documents/${shared}/terms?version=3`, `/documents/${shared}/terms?version=9`],
      ] as const) {
        expect(await problemOf(await be.get(hiddenVersion))).toBe(await problemOf(await be.get(missing)));
      }

      // Writes naming a hidden record are refused as for an unknown one, and write nothing.
      const incident = /\/incidents\/([0-9a-f-]{36})$/.exec(
        hidden.paths.find((path) => /^\/incidents\/[0-9a-f-]{36}$/.test(path))!,
      )![1]!;
      const request = /\/requests\/([0-9a-f-]{36})$/.exec(
        hidden.paths.find((path) => /^\/requests\/[0-9a-f-]{36}$/.test(path))!,
      )![1]!;
      const document = /\/documents\/([0-9a-f-]{36})$/.exec(hidden.paths[0]!)![1]!;
      const writes: [string, (id: string) => Promise<Response>][] = [
        [incident, (id) => be.post(`/incidents/${id}/acknowledgements`, {})],
        [incident, (id) => be.post(`/incidents/${id}/reports`, { stage: 'final', summary: 'x' })],
        [request, (id) => be.post(`/requests/${id}/responses`, { action: 'accept' })],
        [document, (id) => be.put(`/documents/${id}`, documentBody(), { headers: { 'if-match': '"1"' } })],
        [document, (id) => be.post(`/documents/${id}/withdraw`, {}, { headers: { 'if-match': '"1"' } })],
        [
          document,
          (id) =>
            be.call('PUT', `/documents/${id}/content`, {
              rawBody: pdfBytes('x', 10),
              headers: { 'content-type': 'application/pdf' },
            }),
        ],
        [incident, (id) => be.post('/requests', requestBody({ recipients: ['AT'], related_incident: id }))],
      ];
      const rows = await portal.rows('attestations');
      for (const [id, write] of writes) {
        const seen = (await problemOf(await write(id))).replaceAll(id, '<id>');
        const none = (await problemOf(await write(UNKNOWN))).replaceAll(UNKNOWN, '<id>');
        expect(seen).toBe(none);
      }
      expect(await portal.rows('attestations')).toBe(rows);
    });
  });
}
