/**
 * Withdrawing a contact, a document and a competent body in Chromium (the one withdrawal
 * form, web/src/components/withdraw.tsx): the reason typed in the browser is the one the
 * portal stores, a withdrawal against a version changed meanwhile is refused (412) and
 * said beside the form, and a state that does not own the record is offered no form.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ok, type Schemas } from '../../clients/typescript/src/index.ts';
import { loadKey } from './exchange-helpers.ts';
import {
  type BrowserPortal,
  browserSuite,
  describeBrowser,
  expectNoAxeViolations,
  type StateKey,
  startBrowserPortal,
} from './harness.ts';
import { contactInput, documentInput } from './fixtures.ts';

const body: Schemas['BodyInput'] = {
  kind: 'national-cert',
  name: 'CERT.at',
  mandate: 'National computer emergency response team.',
  languages: ['de', 'en'],
  reach: { email: 'team@cert.at' },
};

/** Opens the fold, types the reason, accepts the confirmation and sends the withdrawal. */
async function withdrawInPage(page: Page, fold: string, reasonId: string, reason: string) {
  await page.getByText(fold, { exact: true }).first().click();
  await page.locator(`#${reasonId}`).fill(reason);
  await expectNoAxeViolations(page);
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: fold }).click();
}

describeBrowser('withdrawing records in Chromium', () => {
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

  it('withdraws a contact, a document and a body with the reason typed in the browser', async () => {
    const contactId = (
      await ok(at.client.POST('/contacts', { body: contactInput({ name: 'Anna Berger', languages: ['de-AT', 'en'] }) }))
    ).data.id;
    const documentId = (await ok(at.client.POST('/documents', { body: documentInput('Strategy 2026') }))).data.id;
    const bodyId = (await ok(at.client.POST('/bodies', { body }))).data.id;
    const page = await suite.open(portal, '/');
    await loadKey(page, 'AT', at.privateJwk);

    await page.goto(`/contacts/${contactId}`);
    await withdrawInPage(page, 'Withdraw this contact', 'withdraw-reason', 'Left the CERT.');
    await expect
      .poll(async () => (await ok(at.client.GET('/contacts/{contactId}', { params: { path: { contactId } } }))).status)
      .toBe('withdrawn');
    expect(
      (await ok(at.client.GET('/contacts/{contactId}', { params: { path: { contactId } } }))).withdrawal_reason,
    ).toBe('Left the CERT.');

    await page.goto(`/documents/${documentId}`);
    await withdrawInPage(page, 'Withdraw this document', 'doc-withdraw-reason', 'Superseded by the 2027 strategy.');
    await expect
      .poll(
        async () => (await ok(at.client.GET('/documents/{documentId}', { params: { path: { documentId } } }))).status,
      )
      .toBe('withdrawn');
    expect(
      (await ok(at.client.GET('/documents/{documentId}', { params: { path: { documentId } } }))).withdrawal_reason,
    ).toBe('Superseded by the 2027 strategy.');

    await page.goto(`/bodies/${bodyId}`);
    await withdrawInPage(page, 'Withdraw this body', 'body-withdraw-reason', 'Merged into the national CSIRT.');
    await expect
      .poll(async () => (await ok(at.client.GET('/bodies/{bodyId}', { params: { path: { bodyId } } }))).status)
      .toBe('withdrawn');
    expect((await ok(at.client.GET('/bodies/{bodyId}', { params: { path: { bodyId } } }))).withdrawal_reason).toBe(
      'Merged into the national CSIRT.',
    );
    // Each page shows the final version and offers no second withdrawal.
    await expect.poll(() => page.getByText('Withdraw this body', { exact: true }).count()).toBe(0);
  });

  it('says a withdrawal lost to a version published meanwhile beside the form, and withdraws nothing', async () => {
    const created = await ok(
      at.client.POST('/contacts', { body: contactInput({ name: 'Jörg Müller', languages: ['de-AT', 'en'] }) }),
    );
    const contactId = created.data.id;
    const page = await suite.open(portal, '/');
    await loadKey(page, 'AT', at.privateJwk);
    await page.goto(`/contacts/${contactId}`);
    await page.getByText('Withdraw this contact', { exact: true }).first().waitFor();
    // Another session publishes version 2 while the page shows version 1.
    await ok(
      at.client.PUT('/contacts/{contactId}', {
        params: { path: { contactId }, header: { 'If-Match': '"1"' } },
        body: contactInput({ name: 'Jörg Müller', languages: ['de-AT', 'en'], position: 'Head of unit' }),
      }),
    );
    await withdrawInPage(page, 'Withdraw this contact', 'withdraw-reason', 'Retired.');
    const alert = page.locator('details.withdraw').getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/version|changed|412/i);
    const stored = await ok(at.client.GET('/contacts/{contactId}', { params: { path: { contactId } } }));
    expect(stored).toMatchObject({ status: 'active', version: 2, withdrawal_reason: null });
    expect((await page.take()).consoleErrors).toEqual([expect.stringContaining('status of 412')]);
  });

  it('offers no withdrawal to a state that does not own the record', async () => {
    const contactId = (
      await ok(at.client.POST('/contacts', { body: contactInput({ name: 'Eva Huber', languages: ['de-AT', 'en'] }) }))
    ).data.id;
    const page = await suite.open(portal, '/');
    await loadKey(page, 'FR', fr.privateJwk);
    await page.goto(`/contacts/${contactId}`);
    await page.getByRole('heading', { name: 'Eva Huber' }).waitFor();
    expect(await page.locator('details.withdraw').count()).toBe(0);
  });
});
