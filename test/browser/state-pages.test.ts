/**
 * The state pages (B) in Chromium against a real portal: a state loads its key file (kept
 * non-extractable in IndexedDB), publishes a contact, updates it and meets the 412 of a
 * concurrent change (shown beside its own change, then reapplied), another state sees it;
 * Arabic lays the page out right to left; "forget this key" removes it from IndexedDB.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSigningKey, ok, type Schemas, sha256b64u, thumbprint } from '../../clients/typescript/src/index.ts';
import {
  type BrowserPortal,
  browserSuite,
  describeBrowser,
  expectKeyboardUsable,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  LOCALES,
  SECRETARIAT_TEST_JWK,
  shoot,
  type StateKey,
  startBrowserPortal,
  type WatchedPage,
  writePrivateKeyFile,
} from './harness.ts';

interface StoredKeyView {
  principal: string;
  kid: string;
  extractable: boolean;
  type: string;
  usages: string[];
  exportRefused: string | null;
  members: string[];
}

/** What IndexedDB holds, read in the page as an attacker's script would. */
function storedKeys(page: WatchedPage): Promise<StoredKeyView[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('cbm-portal');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const records = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const request = db.transaction('keys').objectStore('keys').getAll();
      request.onsuccess = () => resolve(request.result as Record<string, unknown>[]);
      request.onerror = () => reject(request.error);
    });
    db.close();
    const views = [];
    for (const record of records) {
      const key = record.privateKey as CryptoKey;
      let exportRefused: string | null = null;
      try {
        await crypto.subtle.exportKey('jwk', key);
      } catch (error) {
        exportRefused = (error as DOMException).name;
      }
      views.push({
        principal: String(record.principal),
        kid: String(record.kid),
        extractable: key.extractable,
        type: key.type,
        usages: [...key.usages],
        exportRefused,
        members: Object.keys(record).sort(),
      });
    }
    return views;
  });
}

/** Loads a state's key file on /keys, in whatever language the page is in. */
async function loadKey(page: WatchedPage, state: StateKey) {
  await page.goto('/keys');
  await page.locator('#load-principal').fill(state.id);
  await page.locator('#load-file').setInputFiles(writePrivateKeyFile(state.privateJwk, state.id));
  await page.locator('form:has(#load-file) button[type=submit]').click();
  await expect.poll(() => page.getByTestId('key-status').textContent()).toContain(state.id);
}

async function fillContact(page: WatchedPage, values: { name: string; email: string }) {
  await page.getByLabel('Name', { exact: true }).fill(values.name);
  await page.getByLabel('Organisation').fill('Federal Ministry for European and International Affairs');
  await page.getByLabel('E-mail').fill(values.email);
  await page.getByLabel('24/7 telephone').fill('+4315056416');
  await page.getByLabel('Languages').fill('de, en');
  await page.getByLabel('Time zone').fill('Europe/Vienna');
}

describeBrowser('the state pages in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  let at: StateKey;
  let fr: StateKey;
  beforeAll(async () => {
    portal = await startBrowserPortal();
    at = await portal.registerState('AT', 'Austria');
    fr = await portal.registerState('FR', 'France');
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('loads a key file into a non-extractable key, and forgets it', async () => {
    const page = await suite.open(portal, '/keys');
    await expectNoAxeViolations(page);
    await loadKey(page, at);
    // The page asked the portal, signing with the key, whether it knows it.
    await expect
      .poll(() => page.locator('section:has(#load-key) .notice-ok').textContent())
      .toContain('The portal knows it (scopes: read, contacts:write, incidents:write, documents:write).');
    const [stored] = await storedKeys(page);
    expect(stored).toEqual({
      principal: 'AT',
      kid: at.kid,
      extractable: false,
      type: 'private',
      usages: ['sign'],
      exportRefused: 'InvalidAccessError',
      // No private JWK member anywhere in the record: only the CryptoKey and the public key.
      members: ['added_at', 'alg', 'id', 'kid', 'origin', 'principal', 'privateKey', 'publicJwk', 'source'],
    });
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(String(at.privateJwk.d));
    await shoot(page, 'keys', 'en');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Forget this key' }).click();
    await expect.poll(() => page.getByTestId('key-status').textContent()).toBe('No key loaded');
    expect(await storedKeys(page)).toEqual([]);
  });

  it('says so when the portal does not know the key loaded for a principal', async () => {
    const page = await suite.open(portal, '/keys');
    await page.locator('#load-principal').fill('AT');
    await page.locator('#load-file').setInputFiles(writePrivateKeyFile(fr.privateJwk, 'FR'));
    await page.locator('form:has(#load-file) button[type=submit]').click();
    const refusal = page.locator('section:has(#load-key) [role=alert]');
    await refusal.waitFor();
    expect(await page.locator('section:has(#load-key)').textContent()).toContain(
      'The portal does not accept this key for this principal yet',
    );
    expect(await refusal.locator('.notice-title').textContent()).toBe('Request signature not accepted');
    expect((await page.take()).consoleErrors).toEqual([expect.stringContaining('status of 401 (Unauthorized)')]);
  });

  it('publishes a contact, meets a concurrent change (412), reapplies; another state sees it', async () => {
    const page = await suite.open(portal, '/keys');
    await loadKey(page, at);
    await page.goto('/contacts/new');
    await fillContact(page, { name: 'Anna Berger', email: 'anna.berger@bmeia.gv.at' });
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
    const contactId = new URL(page.url()).pathname.split('/').pop()!;
    await expect.poll(() => page.locator('[data-field=name]').textContent()).toBe('Anna Berger');
    await expectNoAxeViolations(page);
    await shoot(page, 'contact', 'en');

    await page.getByRole('button', { name: 'Publish a new version' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Anna Berger-Huber');
    // Meanwhile the state publishes version 2 from the command line.
    const current = await at.client.GET('/contacts/{contactId}', { params: { path: { contactId } } });
    const { data: v1 } = current;
    expect(current.error, contactId).toBeUndefined();
    await ok(
      at.client.PUT('/contacts/{contactId}', {
        params: { path: { contactId }, header: { 'If-Match': current.response.headers.get('ETag')! } },
        body: {
          role: v1!.role,
          name: v1!.name,
          organisation: v1!.organisation,
          email: 'duty@cert.at',
          phone_24x7: v1!.phone_24x7,
          languages: v1!.languages,
          time_zone: v1!.time_zone,
        },
      }),
    );
    await page.getByRole('button', { name: 'Publish the new version' }).click();
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Version 2 was published while you were editing');
    // The newer version's e-mail and the person's name change, side by side.
    expect(await conflict.locator('tbody tr').allTextContents()).toEqual([
      'NameAnna BergerAnna Berger-Huber',
      'E-mailduty@cert.atanna.berger@bmeia.gv.at',
    ]);
    await shoot(page, 'contact-conflict', 'en');
    await page.getByRole('button', { name: 'Reapply my changes to version 2' }).click();
    await expect.poll(() => page.locator('[data-field=version]').textContent()).toContain('3');
    expect(await page.locator('[data-field=name]').textContent()).toBe('Anna Berger-Huber');
    // The browser logs the refused request; nothing else went wrong.
    expect((await page.take()).consoleErrors).toEqual([expect.stringContaining('status of 412 (Precondition Failed)')]);
    const stored = await ok(at.client.GET('/contacts/{contactId}', { params: { path: { contactId } } }));
    expect(stored).toMatchObject({ version: 3, name: 'Anna Berger-Huber', email: 'anna.berger@bmeia.gv.at' });

    await page.getByRole('link', { name: 'Every version of this contact' }).click();
    await page.getByTestId('history').waitFor();
    expect(await page.getByTestId('history').locator('tbody tr td:first-child').allTextContents()).toEqual([
      '1 · Active',
      '2 · Active',
      '3 · Active',
    ]);
    await page.goto('/contacts');
    await page.getByRole('link', { name: 'Annual confirmation' }).click();
    await page.locator('#confirm-note').fill('Reviewed by the national CERT.');
    await page.getByRole('button', { name: 'Confirm that our entries are current' }).click();
    await expect
      .poll(() => page.getByTestId('confirmations').textContent())
      .toContain('Active contacts at the time: 1');
    expect(
      await ok(at.client.GET('/states/{stateId}/confirmations', { params: { path: { stateId: 'AT' } } })),
    ).toMatchObject({
      items: [{ state: 'AT', active_contacts: 1, note: 'Reviewed by the national CERT.' }],
    });
    await expectNoAxeViolations(page);

    const other = await suite.open(portal, '/keys');
    await loadKey(other, fr);
    await other.goto('/contacts?state=AT');
    const rows = other.getByTestId('contacts').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Anna Berger-Huber');
    // France cannot change Austria's contact: the page offers no edit.
    await other.goto(`/contacts/${contactId}`);
    await other.locator('[data-field=name]').waitFor();
    expect(await other.getByRole('button', { name: 'Publish a new version' }).count()).toBe(0);
    await expectNoAxeViolations(other);
    await shoot(other, 'contacts', 'en');
  });

  it('publishes a Markdown document and a file (uploaded, downloaded byte-identical); TLP keeps the AMBER one from France', async () => {
    const page = await suite.open(portal, '/keys');
    await loadKey(page, at);
    await page.goto('/documents/new');
    await expectNoAxeViolations(page);
    await page.locator('#doc-type').selectOption('strategy');
    await page.locator('#doc-title').fill('National Cyber Security Strategy 2026');
    await page.locator('#doc-summary').fill('How Austria protects its networks, 2026 to 2030.');
    await page.locator('#doc-language').fill('en');
    await page.locator('#doc-markdown').fill('# Strategy\n\nFive pillars.');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.waitForURL(/\/documents\/[0-9a-f-]{36}$/);
    // Rendered: a heading and a paragraph, not the source.
    await expect.poll(() => page.getByTestId('markdown').locator('h2').textContent()).toBe('Strategy');
    expect(await page.getByTestId('markdown').locator('p').textContent()).toBe('Five pillars.');
    await shoot(page, 'document', 'en');

    const bytes = Buffer.alloc(3 * 1024 * 1024, 'Austrian position paper on responsible state behaviour. ');
    const file = join(tmpdir(), `position-${Date.now()}.txt`);
    writeFileSync(file, bytes);
    await page.goto('/documents/new');
    await page.locator('#doc-type').selectOption('threat-views');
    await page.locator('#doc-title').fill('Threat assessment (restricted)');
    await page.locator('#doc-summary').fill('For the Secretariat only.');
    await page.locator('#doc-language').fill('en');
    await page.locator('#doc-tlp').selectOption('TLP:AMBER');
    await page.locator('#doc-recipients').fill('secretariat');
    await page.getByLabel('A file').check();
    await page.locator('#doc-file').setInputFiles(file);
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.waitForURL(/\/documents\/[0-9a-f-]{36}$/);
    const documentId = new URL(page.url()).pathname.split('/').pop()!;
    await expect.poll(() => page.locator('[data-field=content]').textContent()).toContain('text/plain');
    expect(await page.locator('[data-field=content]').textContent()).not.toContain('not uploaded');
    const stored = await ok(at.client.GET('/documents/{documentId}', { params: { path: { documentId } } }));
    expect(stored).toMatchObject({
      tlp: 'TLP:AMBER',
      recipients: ['secretariat'],
      content: { available: true, size: bytes.length },
    });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(readFileSync(await download.path()).equals(bytes)).toBe(true);
    await expectNoAxeViolations(page);

    const other = await suite.open(portal, '/keys');
    await loadKey(other, fr);
    await other.goto('/documents?state=AT');
    const rows = other.getByTestId('documents').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.allTextContents()).toEqual([expect.stringContaining('National Cyber Security Strategy 2026')]);
    await other.goto(`/documents/${documentId}`);
    await other.getByRole('alert').waitFor();
    expect(await other.getByRole('alert').textContent()).toContain('Not found');
    // The only errors logged are the portal's 404s for that document (France may not see it).
    const logged = (await other.take()).consoleErrors;
    expect(logged.length).toBeGreaterThan(0);
    expect(
      logged.filter((line) => !line.includes(`status of 404 (Not Found) (${portal.origin}/documents/${documentId})`)),
    ).toEqual([]);
  });

  it('uploads the file a version declares when its upload did not happen, refusing another file', async () => {
    const bytes = Buffer.from('Capacity-building programme 2026: exercises, training, exchanges.\n'.repeat(2000));
    const declared = await ok(
      at.client.POST('/documents', {
        body: {
          type: 'capacity-building',
          title: 'Capacity building 2026',
          summary: 'Programme.',
          language: 'en',
          tlp: 'TLP:GREEN',
          content: {
            file: { media_type: 'text/plain', sha256: await sha256b64u(bytes), size: bytes.length, filename: 'cb.txt' },
          },
        },
      }),
    );
    const [right, wrong] = [join(tmpdir(), `cb-${Date.now()}.txt`), join(tmpdir(), `other-${Date.now()}.txt`)];
    writeFileSync(right, bytes);
    writeFileSync(wrong, 'another file\n');
    const page = await suite.open(portal, '/keys');
    await loadKey(page, at);
    await page.goto(`/documents/${declared.data.id}`);
    await page.locator('#upload-file').setInputFiles(wrong);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect
      .poll(() => page.locator('section:has(#upload-content) [role=alert]').textContent())
      .toContain('This is not the file this version declares');
    await page.locator('#upload-file').setInputFiles(right);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('#upload-content').waitFor({ state: 'detached' });
    expect(await page.locator('[data-field=content]').textContent()).not.toContain('not uploaded');
    const stored = await ok(
      at.client.GET('/documents/{documentId}', { params: { path: { documentId: declared.data.id } } }),
    );
    expect(stored.content).toMatchObject({ available: true, size: bytes.length });
  });

  it('publishes a competent body (CBM 2) and a new version against a concurrent one', async () => {
    const page = await suite.open(portal, '/keys');
    await loadKey(page, at);
    await page.goto('/bodies/new');
    await page.locator('#new-body-kind').selectOption('national-cert');
    await page.locator('#new-body-name').fill('CERT.at');
    await page.locator('#new-body-mandate').fill('National computer emergency response team.');
    await page.locator('#new-body-languages').fill('de, en');
    await page.locator('#new-body-email').fill('team@cert.at');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.waitForURL(/\/bodies\/[0-9a-f-]{36}$/);
    const bodyId = new URL(page.url()).pathname.split('/').pop()!;
    await expect.poll(() => page.locator('[data-field=version]').textContent()).toContain('1');
    await expectNoAxeViolations(page);
    await shoot(page, 'body', 'en');
    await page.getByRole('button', { name: 'Publish a new version' }).click();
    await page.locator('#edit-body-acronym').fill('CERT-AT');
    const current = await at.client.GET('/bodies/{bodyId}', { params: { path: { bodyId } } });
    const {
      id: _id,
      state: _state,
      version: _v,
      status: _s,
      published_at: _p,
      withdrawal_reason: _w,
      attestation_id: _a,
      href: _h,
      ...input
    } = current.data!;
    await ok(
      at.client.PUT('/bodies/{bodyId}', {
        params: { path: { bodyId }, header: { 'If-Match': current.response.headers.get('ETag')! } },
        body: { ...input, reach: { email: 'duty@cert.at' } },
      }),
    );
    await page.getByRole('button', { name: 'Publish the new version' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Version 2 was published meanwhile');
    expect(await page.locator('#edit-body-acronym').inputValue()).toBe('CERT-AT');
    await page.locator('#edit-body-email').fill('duty@cert.at');
    await page.getByRole('button', { name: 'Publish the new version' }).click();
    await expect.poll(() => page.locator('[data-field=version]').textContent()).toContain('3');
    expect((await page.take()).consoleErrors).toEqual([expect.stringContaining('status of 412')]);
    const stored = await ok(at.client.GET('/bodies/{bodyId}', { params: { path: { bodyId } } }));
    expect(stored).toMatchObject({ version: 3, acronym: 'CERT-AT', reach: { email: 'duty@cert.at' } });
    // A contact belongs to one of the state's own bodies, chosen by name.
    await page.goto('/contacts/new');
    await fillContact(page, { name: 'Duty officer', email: 'duty@cert.at' });
    await page.getByLabel('Competent body (CBM 2)').selectOption({ label: 'CERT.at (CERT-AT)' });
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
    const contactId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await ok(at.client.GET('/contacts/{contactId}', { params: { path: { contactId } } }))).toMatchObject({
      name: 'Duty officer',
      body_id: bodyId,
    });
  });

  it('publishes a channel (CBMs 10, 13) with its e-mail key, and withdraws it', async () => {
    const page = await suite.open(portal, '/keys');
    await loadKey(page, at);
    await page.goto('/channels/new');
    await page.locator('#new-channel-medium').selectOption('email');
    await page.getByLabel('Incident notifications').check();
    await page.getByLabel('Consultations').check();
    await page.locator('#new-channel-address').fill('incidents@cert.at');
    await page.locator('#new-channel-key_fingerprint').fill('0123 4567 89ab cdef 0123 4567 89ab cdef 0123 4567');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.waitForURL(/\/channels\/[0-9a-f-]{36}$/);
    const channelId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByTestId('channel').waitFor();
    await expectNoAxeViolations(page);
    expect(await ok(at.client.GET('/channels/{channelId}', { params: { path: { channelId } } }))).toMatchObject({
      medium: 'email',
      exchanges: ['consultation', 'incident-notification'],
      address: 'incidents@cert.at',
      key: { type: 'openpgp', fingerprint: '0123456789ABCDEF0123456789ABCDEF01234567' },
    });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Withdraw this channel' }).click();
    await expect.poll(() => page.locator('[data-field=version]').textContent()).toContain('Withdrawn');
  });

  it('the Secretariat records an expert meeting (CBM 11); a state confirms its participation', async () => {
    const secretariat = await suite.open(portal, '/keys');
    await loadKey(secretariat, { id: 'secretariat', privateJwk: SECRETARIAT_TEST_JWK } as StateKey);
    await secretariat.goto('/meetings/new');
    await secretariat.locator('#meeting-title').fill('Informal Working Group, expert level');
    await secretariat.locator('#meeting-starts').fill('2026-03-10T10:00');
    await secretariat.locator('#meeting-place').fill('Hofburg, Vienna');
    await secretariat.locator('#meeting-agenda').fill('Opening\nCBM 8 directory review\nAOB');
    await secretariat.getByRole('button', { name: 'Record a meeting' }).click();
    await secretariat.waitForURL(/\/meetings\/[0-9a-f-]{36}$/);
    const meetingUrl = new URL(secretariat.url()).pathname;
    await secretariat.getByTestId('meeting').waitFor();
    expect(await secretariat.getByTestId('meeting').locator('ol li').allTextContents()).toEqual([
      'Opening',
      'CBM 8 directory review',
      'AOB',
    ]);
    const page = await suite.open(portal, '/keys');
    await loadKey(page, at);
    await page.goto(meetingUrl);
    await page.getByRole('button', { name: 'Confirm that AT took part' }).click();
    await expect.poll(() => page.locator('[data-field=participants]').textContent()).toBe('AT');
    await expectNoAxeViolations(page);
    await shoot(page, 'meeting', 'en');
  });

  it('switches to Arabic: lang ar, dir rtl, remembered', async () => {
    const page = await suite.open(portal, '/keys');
    await page.getByLabel('Language').selectOption('ar');
    await expect
      .poll(() => page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]))
      .toEqual(['ar', 'rtl']);
    expect(await page.locator('h1').textContent()).toBe('المفاتيح');
    await page.reload();
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await expectNoAxeViolations(page);
    await shoot(page, 'keys', 'ar');
  });

  it('creates a key in the browser; once the Secretariat registers its public JWK, requests signed with it pass', async () => {
    await ok(portal.secretariat.POST('/principals', { body: { id: 'DE', name: 'Germany' } }));
    const page = await suite.open(portal, '/keys');
    await page.locator('#create-principal').fill('DE');
    await page.getByRole('button', { name: 'Create the key' }).click();
    const shown = page.locator('section:has(#create-key) [data-testid=public-jwk]');
    await shown.waitFor();
    const publicJwk = JSON.parse((await shown.textContent())!) as Schemas['PublicJwk'] & { kid: string; d?: string };
    expect(publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(publicJwk.d).toBeUndefined();
    expect(publicJwk.kid).toBe(await thumbprint(publicJwk));
    const [stored] = await storedKeys(page);
    expect(stored).toMatchObject({
      principal: 'DE',
      kid: publicJwk.kid,
      extractable: false,
      exportRefused: 'InvalidAccessError',
    });
    await shoot(page, 'keys-created', 'en');
    const { kty, crv, x } = publicJwk;
    await ok(
      portal.secretariat.POST('/principals/{principalId}/keys', {
        params: { path: { principalId: 'DE' } },
        body: { jwk: { kty, crv, x } as Schemas['PublicJwk'], scopes: ['read', 'contacts:write'] },
      }),
    );
    await page.goto('/contacts');
    // The directory answered a request signed with the new key ("N contacts shown"), no refusal.
    await page.locator('main p[role=status]').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('pins the portal keys on first use; a key it did not pin stops verification until accepted', async () => {
    const served = (await (await fetch(`${portal.origin}/.well-known/jwks.json`)).json()) as {
      keys: Schemas['PublicJwk'][];
    };
    const fingerprint = await thumbprint(served.keys[0]!);
    const page = await suite.open(portal, '/keys');
    await expect.poll(() => page.getByTestId('pinned-keys').textContent()).toContain(`portal key ${fingerprint}`);
    // As if the portal had served another key at first contact: the key it serves now is new.
    const other = await generateSigningKey('EdDSA');
    await page.evaluate(async (jwk) => {
      const db = await new Promise<IDBDatabase>((resolve) => {
        const request = indexedDB.open('cbm-portal');
        request.onsuccess = () => resolve(request.result);
      });
      const store = db.transaction('pins', 'readwrite').objectStore('pins');
      const record = await new Promise<{ jwks: { keys: unknown[] } }>((resolve) => {
        const request = store.getAll();
        request.onsuccess = () => resolve(request.result[0]);
      });
      record.jwks.keys = [jwk];
      await new Promise((resolve) => {
        store.put(record).onsuccess = resolve;
      });
      db.close();
    }, other.publicJwk);
    await page.reload();
    const banner = page.locator('section.banner-danger');
    await banner.waitFor();
    const text = await banner.textContent();
    expect(text).toContain(`portal key ${other.kid}`);
    expect(text).toContain(`portal key ${fingerprint}`);
    await expectNoAxeViolations(page);
    await shoot(page, 'keys-changed', 'en');
    await page.getByRole('button', { name: 'Accept the new keys' }).click();
    await banner.waitFor({ state: 'detached' });
    expect(await page.getByTestId('pinned-keys').textContent()).toContain(`portal key ${fingerprint}`);
  });

  it.each(LOCALES)('shows each state page in %s, with lang and dir set', async (locale) => {
    // The records the tests above published: one of each kind, shown with its attestation panel.
    const first = async (call: Promise<{ data?: { items: { id: string }[] }; response: Response }>) =>
      (await ok(call)).items[0]!.id;
    const records = [
      `/contacts/${await first(at.client.GET('/contacts', { params: { query: { state: 'AT' } } }))}`,
      `/documents/${await first(at.client.GET('/documents', { params: { query: { state: 'AT' } } }))}`,
      `/bodies/${await first(at.client.GET('/bodies', { params: { query: { state: 'AT' } } }))}`,
    ];
    const paths = [
      '/',
      '/keys',
      '/contacts',
      '/contacts/new',
      '/documents',
      '/documents/new',
      '/glossary?q=strategy',
      '/bodies',
      '/channels',
      '/meetings',
      ...records,
    ];
    const page = await suite.open(portal, '/keys', { locale });
    await loadKey(page, at);
    for (const path of paths) {
      await page.goto(path);
      await page.locator('main h1').waitFor();
      await expect.poll(() => page.locator('.state-loading').count()).toBe(0);
      expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual([
        locale,
        locale === 'ar' ? 'rtl' : 'ltr',
      ]);
      if (locale === 'ar' || locale === 'zh') await expectNoAxeViolations(page);
      const name = records.includes(path) ? `${path.split('/')[1]}-record` : path.replace(/\?.*$/, '').slice(1);
      await shoot(page, `state-${name.replace(/\//g, '-') || 'home'}`, locale);
    }
  });

  it('reflows at 200% zoom: nothing scrolls sideways, and axe-core finds no violation', async () => {
    const page = await suite.open(portal, '/keys', { zoom: 2 });
    await loadKey(page, at);
    for (const path of ['/', '/contacts', '/contacts/new', '/documents', '/documents/new', '/glossary', '/keys']) {
      await page.goto(path);
      await page.locator('main h1').waitFor();
      await expect.poll(() => page.locator('.state-loading').count(), { timeout: 30_000 }).toBe(0);
      await expectNoHorizontalScroll(page);
      await expectNoAxeViolations(page);
      await shoot(page, `zoom200${path.replace(/\//g, '-')}`, 'en');
    }
  });

  it('is usable by keyboard alone, with the focus always visible', async () => {
    const page = await suite.open(portal, '/keys');
    await loadKey(page, at);
    await page.goto('/contacts');
    await page.getByTestId('contacts').waitFor();
    const stops = await expectKeyboardUsable(page, 10);
    expect(stops[0]!.element).toContain('Skip to content');
  });
});
