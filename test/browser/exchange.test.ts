/**
 * The exchange pages in Chromium against a real portal (issue 11): a state notifies an
 * incident in the browser, a recipient acknowledges it, a state outside the audience sees
 * nothing of it (pages and requests), and the attestation panel verifies the record in
 * the browser, failing when the served record was changed or the portal's key changed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ok } from '../../clients/typescript/src/index.ts';
import {
  type BrowserPortal,
  browserSuite,
  describeBrowser,
  expectNoAxeViolations,
  type StateKey,
  startBrowserPortal,
} from './harness.ts';
import { loadKey, panelStatuses } from './exchange-helpers.ts';

describeBrowser('incidents and the attestation panel in Chromium', () => {
  const suite = browserSuite();
  let portal: BrowserPortal;
  let at: StateKey;
  let be: StateKey;
  let de: StateKey;
  beforeAll(async () => {
    portal = await startBrowserPortal();
    at = await portal.registerState('AT', 'Austria');
    be = await portal.registerState('BE', 'Belgium');
    de = await portal.registerState('DE', 'Germany');
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('a state notifies in the browser, a recipient acknowledges, a state outside the audience sees nothing', async () => {
    const page = await suite.open(portal, '/');
    await loadKey(page, 'AT', at.privateJwk);
    await page.goto('/incidents/new');
    await page.locator('#incident-title').fill('DDoS against the e-government portal');
    await page.locator('#incident-summary').fill('Volumetric DDoS since 08:00 UTC; service degraded.');
    await page.locator('#incident-rsit').selectOption('availability');
    await page.locator('#incident-rsit-type').fill('ddos');
    await page.locator('#incident-scale').fill('national CSIRT scale 1-4');
    await page.locator('#incident-severity').fill('3');
    await page.locator('#incident-tlp').selectOption('TLP:AMBER');
    await page.locator('#incident-recipients').fill('BE');
    await expectNoAxeViolations(page);
    await page.getByTestId('notify-form').locator('button[type=submit]').click();
    await page.waitForURL(/\/incidents\/[0-9a-f-]{36}$/);
    const incidentId = page.url().split('/').pop()!;
    await expect.poll(() => page.locator('h1').textContent()).toBe('DDoS against the e-government portal');
    expect(await page.getByTestId('countdowns').locator('[data-deadline=notification]').getAttribute('data-tone')).toBe(
      'pending',
    );
    expect(await panelStatuses(page)).toMatchObject({
      'portal-signature': 'passed',
      'key-registration': 'passed',
      'state-signature': 'passed',
      'log-inclusion': 'passed',
      'served-record': 'passed',
    });
    await expectNoAxeViolations(page);
    // What the portal stored is what the browser signed: the API serves it to AT.
    const stored = await ok(at.client.GET('/incidents/{incidentId}', { params: { path: { incidentId } } }));
    expect(stored).toMatchObject({ state: 'AT', tlp: 'TLP:AMBER', recipients: ['BE'], rsit_type: 'ddos' });

    // Belgium, a recipient, acknowledges in its browser.
    const bePage = await suite.open(portal, '/');
    await loadKey(bePage, 'BE', be.privateJwk);
    await bePage.goto('/incidents');
    await bePage.locator(`[data-incident="${incidentId}"] a`).click();
    await bePage.getByRole('button', { name: 'Acknowledge receipt' }).click();
    await bePage.getByTestId('acknowledgements').locator('[data-state=BE]').waitFor();
    const acknowledgements = await ok(
      at.client.GET('/incidents/{incidentId}/acknowledgements', { params: { path: { incidentId } } }),
    );
    expect(acknowledgements.items.map((one) => one.state)).toEqual(['BE']);

    // Germany is not in the audience: not in its list, its page is a 404, no request answered it.
    const dePage = await suite.open(portal, '/');
    await loadKey(dePage, 'DE', de.privateJwk);
    // Each answer is recorded when it arrives; its body is read later (reading it is
    // asynchronous, and an answer recorded only after its body could be missed).
    const answers: { url: string; status: number; body: Promise<string> }[] = [];
    dePage.on('response', (response) => {
      if (response.url().includes('/incidents'))
        answers.push({ url: response.url(), status: response.status(), body: response.text().catch(() => '') });
    });
    await dePage.goto('/incidents');
    await dePage.locator('.state-empty, [data-testid=incident-list]').first().waitFor();
    expect(await dePage.locator(`[data-incident="${incidentId}"]`).count()).toBe(0);
    await dePage.goto(`/incidents/${incidentId}`);
    await dePage.locator('.notice-error').waitFor();
    expect(await dePage.locator('body').textContent()).not.toContain('DDoS against the e-government portal');
    await expect
      .poll(() => answers.filter((answer) => answer.url.endsWith(incidentId)).map((answer) => answer.status))
      .toContain(404);
    const bodies = await Promise.all(answers.map((answer) => answer.body));
    expect(bodies.some((body) => body.includes('DDoS against'))).toBe(false);
    // The browser logs each 404 it was answered: expected here, and only those.
    const { consoleErrors } = await dePage.take();
    expect(consoleErrors.every((line) => line.includes('404') && line.includes(incidentId))).toBe(true);
  });

  it('a TLP:RED request sent in the browser is answered by its recipient and absent from everyone else’s pages and feed', async () => {
    const page = await suite.open(portal, '/');
    await loadKey(page, 'AT', at.privateJwk);
    await page.goto('/requests/new');
    await page.locator('#request-subject').fill('Reflection traffic from your address space');
    await page.locator('#request-body').fill('We observe reflection traffic from 198.51.100.0/24. Can you help?');
    await page.locator('#request-tlp').selectOption('TLP:RED');
    await page.locator('#request-recipients').fill('BE');
    await page.getByTestId('request-form').locator('button[type=submit]').click();
    await page.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    const requestId = page.url().split('/').pop()!;
    expect((await panelStatuses(page))['state-signature']).toBe('passed');

    const bePage = await suite.open(portal, '/');
    await loadKey(bePage, 'BE', be.privateJwk);
    await bePage.goto('/requests');
    await bePage.locator(`[data-request="${requestId}"] a`).click();
    await bePage.locator('#respond-body').fill('The range belongs to a university; we are contacting them.');
    await bePage.getByTestId('respond-form').locator('button[type=submit]').click();
    await bePage.getByTestId('responses').locator('[data-state=BE]').waitFor();
    const stored = await ok(at.client.GET('/requests/{requestId}', { params: { path: { requestId } } }));
    expect(stored).toMatchObject({ tlp: 'TLP:RED', recipients: ['BE'], status: 'answered' });

    const dePage = await suite.open(portal, '/');
    await loadKey(dePage, 'DE', de.privateJwk);
    const answered: Promise<string>[] = [];
    dePage.on('response', (response) => {
      answered.push(response.text().catch(() => ''));
    });
    await dePage.goto('/requests');
    await dePage.locator('.state-empty, [data-testid=request-list]').first().waitFor();
    expect(await dePage.locator(`[data-request="${requestId}"]`).count()).toBe(0);
    await dePage.goto('/feed');
    await dePage.getByTestId('feed').waitFor();
    expect(await dePage.locator('[data-operation=createRequest]').count()).toBe(0);
    expect(await dePage.locator('body').textContent()).not.toContain('Reflection traffic');
    const bodies = await Promise.all(answered);
    expect(bodies.some((body) => body.includes('Reflection traffic') || body.includes(requestId))).toBe(false);
  });

  it('the panel names the failure when the served record was changed, or the portal key is not the pinned one', async () => {
    const created = await ok(
      at.client.POST('/incidents', {
        body: {
          stage: 'early-warning',
          title: 'Phishing wave against ministries',
          summary: 'Credential phishing against several ministries.',
          aware_at: new Date(Date.now() - 3600_000).toISOString(),
          rsit_class: 'fraud',
          severity: { scale: 'national CSIRT scale 1-4', value: '2' },
          suspected_malicious: true,
          cross_border_impact: 'unknown',
          tlp: 'TLP:GREEN',
        },
      }),
    );
    const id = created.data.id;
    const page = await suite.open(portal, '/');
    await loadKey(page, 'BE', be.privateJwk);
    // The served report (where the verifier reads what is served) says something else.
    await page.route(/\/incidents\/[^/]+\/reports\/1$/, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...body, summary: 'Nothing happened.' } });
    });
    await page.goto(`/incidents/${id}`);
    expect(await panelStatuses(page)).toMatchObject({ 'state-signature': 'passed', 'served-record': 'failed' });
    expect(await page.getByTestId('attestation-panel').locator('.verify-verdict').textContent()).toContain(
      'Record as signed',
    );
    await page.unroute(/\/incidents\/[^/]+\/reports\/1$/);

    // The page shows a changed record: the panel compares what is displayed too.
    await page.route(new RegExp(`/incidents/${id}$`), async (route) => {
      if (route.request().resourceType() === 'document') return route.continue();
      const response = await route.fetch();
      const body = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...body, title: 'Nothing to see' } });
    });
    await page.goto(`/incidents/${id}`);
    expect((await panelStatuses(page))['served-record']).toBe('failed');
    await page.unrouteAll();

    // Another portal key in the pinned set: the attestation is signed by a key not pinned.
    const other = await suite.open(portal, '/');
    await loadKey(other, 'BE', be.privateJwk);
    await other.evaluate(async () => {
      const open = indexedDB.open('cbm-portal');
      await new Promise((done) => (open.onsuccess = done));
      const db = open.result;
      const store = db.transaction('pins', 'readwrite').objectStore('pins');
      const all = store.getAll();
      await new Promise((done) => (all.onsuccess = done));
      for (const pin of all.result as { jwks: { keys: { x: string }[] } }[]) {
        pin.jwks.keys = pin.jwks.keys.map((key) => ({ ...key, x: 'fF4KXb8oF7ouSbVqXr0eZfJv5sJNzE6VdVfTYt3Fh1s' }));
        store.put(pin);
      }
      await new Promise((done) => (store.transaction.oncomplete = done));
    });
    await other.goto(`/incidents/${id}`);
    const panel = other.getByTestId('attestation-panel');
    await panel.locator('.verify-failed').first().waitFor({ timeout: 30_000 });
    expect(await panel.textContent()).toMatch(/did not pin/);
    await other.take();
  });
});
