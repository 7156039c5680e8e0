/**
 * The state pages (B) in Chromium against a real portal: a state loads its key file (kept
 * non-extractable in IndexedDB), publishes a contact, updates it and meets the 412 of a
 * concurrent change (shown beside its own change, then reapplied), another state sees it;
 * Arabic lays the page out right to left; "forget this key" removes it from IndexedDB.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ok } from '../../clients/typescript/src/index.ts';
import {
  type BrowserPortal,
  browserSuite,
  describeBrowser,
  expectNoAxeViolations,
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

async function loadKey(page: WatchedPage, state: StateKey) {
  await page.goto('/keys');
  await page.getByLabel('Who you sign for').first().fill(state.id);
  await page.getByLabel('Private key file').setInputFiles(writePrivateKeyFile(state.privateJwk, state.id));
  await page.getByRole('button', { name: 'Load the key' }).click();
  await expect.poll(() => page.getByTestId('key-status').textContent()).toBe(`Signing as ${state.id}`);
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
});
