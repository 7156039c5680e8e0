/** Steps the exchange pages' browser tests share. */
import type { JWK } from 'jose';
import type { Page } from 'playwright-core';
import { writePrivateKeyFile } from './harness.ts';

/** Loads a private JWK file on the keys page, as a person does once. */
export async function loadKey(page: Page, principal: string, jwk: JWK): Promise<void> {
  await page.goto('/keys');
  await page.locator('#load-principal').fill(principal);
  await page.locator('#load-file').setInputFiles(writePrivateKeyFile(jwk, principal));
  await page.locator('#load-file').locator('xpath=ancestor::form').locator('button[type=submit]').click();
  await page.locator('.notice-ok').waitFor();
}

/** Waits for the attestation panel's verdict and returns each check's status. */
export async function panelStatuses(page: Page): Promise<Record<string, string>> {
  const panel = page.getByTestId('attestation-panel');
  await panel.locator('.verify-checks').waitFor({ timeout: 30_000 });
  const checks = await panel
    .locator('.verify-check')
    .evaluateAll((items) => items.map((item) => [item.getAttribute('data-check'), item.getAttribute('data-status')]));
  return Object.fromEntries(checks);
}
