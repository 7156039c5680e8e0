/**
 * The web portal's grid and chart view-models (web/src/pages), fed with what a real
 * in-process portal answers: the state x CBM overview, the compliance grid of all states,
 * response-time charts from a check report, incident deadline countdowns.
 */
import { describe, expect, it } from 'vitest';
import { ok, pages, type Schemas } from '../../clients/typescript/src/index.ts';
import {
  barChart,
  checkResponsePoints,
  formatDuration,
  medianResponsePoints,
  niceScale,
} from '../../web/src/pages/checks.chart.ts';
import {
  countdown,
  formatCountdown,
  incidentCountdowns,
  refreshInterval,
  relativeParts,
} from '../../web/src/pages/incidents.countdown.ts';
import { overviewCsvName, overviewGrid } from '../../web/src/pages/overview.model.ts';
import { complianceGrid } from '../../web/src/pages/secretariat.compliance.ts';
import { documentBody } from '../support/documents.ts';
import { incidentBody } from '../support/incidents.ts';
import { contactBody, createTestPortal } from '../support/portal.ts';
import { typedClient } from '../support/typed.ts';

describe('overviewGrid', () => {
  it('matches what two states published: one row each, a cell per CBM coloured by status, linking to the records', async () => {
    const portal = await createTestPortal();
    const scopes = ['read', 'contacts:write', 'documents:write'];
    const at = await portal.registerState('AT', { scopes });
    const de = await portal.registerState('DE', { scopes });
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    expect((await at.post('/contacts', contactBody({ role: 'policy', name: 'Max Muster' }))).status).toBe(201);
    expect((await at.post('/documents', documentBody({ type: 'threat-views', title: 'Threat views' }))).status).toBe(
      201,
    );
    expect((await de.post('/documents', documentBody())).status).toBe(201);

    const overview = (await ok((await typedClient(portal, at)).GET('/overview'))) as Schemas['ImplementationOverview'];
    const grid = overviewGrid(overview);
    expect(grid.cbms).toEqual(Array.from({ length: 16 }, (_, index) => index + 1));
    expect(grid.rows.map((row) => row.state)).toEqual(['AT', 'DE']);
    const [atRow, deRow] = grid.rows;
    const published = (row: typeof atRow) =>
      Object.fromEntries(row!.cells.filter((cell) => cell.status !== 'none').map((cell) => [cell.cbm, cell.count]));
    expect(published(atRow)).toEqual({ 1: 1, 8: 2 });
    expect(published(deRow)).toEqual({ 7: 1 });
    expect(atRow!.current).toBe(2);
    expect(atRow!.cells[7]).toMatchObject({ status: 'current', latest: '2026-11-27T09:00:00.000Z' });
    expect(atRow!.cells[7]!.href).toMatch(/contacts/);
    expect(atRow!.cells[0]!.href).toMatch(/documents/);
    expect(atRow!.cells[1]).toMatchObject({ status: 'none', count: 0, href: null, contributions: [] });
    // Each cell's link is one of the portal's own hrefs for those records.
    for (const row of grid.rows)
      for (const cell of row.cells)
        expect(cell.href).toBe(
          overview.states.find((s) => s.state === row.state)!.cbms[cell.cbm - 1]!.contributions[0]?.href ?? null,
        );
    expect(grid.columns[7]).toEqual({ cbm: 8, current: 1, stale: 0, none: 1 });
    expect(grid.columns[6]).toEqual({ cbm: 7, current: 1, stale: 0, none: 1 });
    expect(overviewCsvName(grid.generatedAt)).toBe('cbm-overview-2026-11-27.csv');
  });
});

describe('complianceGrid', () => {
  it('colours each state: ok with both roles, attention with one missing, due before any confirmation', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    const de = await portal.registerState('DE');
    await portal.registerState('FR');
    expect((await at.post('/contacts', contactBody())).status).toBe(201);
    expect((await at.post('/contacts', contactBody({ role: 'policy', name: 'Max Muster' }))).status).toBe(201);
    expect((await de.post('/contacts', contactBody())).status).toBe(201);
    const confirmed = await at.post('/states/AT/confirmations', {});
    expect(confirmed.status).toBe(201);
    const client = await typedClient(portal, portal.secretariat);
    const items = [];
    for await (const item of pages((cursor) => client.GET('/states/compliance', { params: { query: { cursor } } })))
      items.push(item);
    const grid = complianceGrid(items);
    const byState = Object.fromEntries(grid.rows.map((row) => [row.state, row]));
    expect(byState.AT).toMatchObject({
      tone: 'ok',
      status: 'current',
      missingRoles: [],
      contacts: { policy: 1, technical: 1 },
    });
    expect(byState.DE).toMatchObject({ tone: 'due', missingRoles: ['policy'] });
    expect(byState.FR).toMatchObject({ tone: 'due', missingRoles: ['policy', 'technical'], onTimeRate: null });
    expect(grid.totals).toEqual({ ok: 1, attention: 0, due: 2 });
  });
});

describe('response-time chart', () => {
  it('draws a check report: a bar per addressed state, empty for no answer, ticks on round values', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT');
    await portal.registerState('DE');
    const contact = (await (await at.post('/contacts', contactBody())).json()) as { data: { id: string } };
    const started = await portal.secretariat.post('/checks', {
      states: ['AT', 'DE'],
      roles: ['technical'],
      deadline: '2026-11-28T09:00:00.000Z',
    });
    expect(started.status).toBe(201);
    const check = ((await started.json()) as { data: { id: string } }).data;
    portal.clock.advance(90_000);
    expect((await at.post(`/checks/${check.id}/acknowledgements`, { contact_id: contact.data.id })).status).toBe(201);
    const report = await ok(
      (await typedClient(portal, at)).GET('/checks/{checkId}/report', { params: { path: { checkId: check.id } } }),
    );
    const points = checkResponsePoints(report);
    expect(points).toEqual([
      { label: 'AT', seconds: 90, outcome: 'on-time' },
      { label: 'DE', seconds: null, outcome: 'no-answer' },
    ]);
    const chart = barChart(points, 480, 200);
    expect(chart.max).toBe(90);
    expect(chart.ticks).toEqual([
      { seconds: 0, y: 176 },
      { seconds: 30, y: 120 },
      { seconds: 60, y: 64 },
      { seconds: 90, y: 8 },
    ]);
    expect(chart.bars[0]).toMatchObject({ x: 87.8, width: 148.4, height: 168, y: 8 });
    expect(chart.bars[1]).toMatchObject({ height: 0, y: 176 });
    expect(medianResponsePoints([report])).toEqual([{ label: '2026-11-27', seconds: 90, outcome: 'on-time' }]);
  });

  it('scales and labels durations', () => {
    expect(niceScale(0)).toEqual({ top: 1, step: 1 });
    expect(niceScale(7000)).toEqual({ top: 7200, step: 1800 });
    expect(niceScale(86_400 * 30)).toEqual({ top: 3 * 1_209_600, step: 1_209_600 });
    expect(formatDuration(45, 'en')).toBe('45 sec');
    expect(formatDuration(600, 'de')).toBe('10 Min.');
    expect(formatDuration(3 * 3600, 'fr')).toBe('3\u202fh');
    expect(barChart([]).bars).toEqual([]);
  });
});

describe('incident countdowns', () => {
  it('count down from the portal deadlines, faster in the last hour, and read in each language', async () => {
    const portal = await createTestPortal();
    const at = await portal.registerState('AT', { scopes: ['read', 'incidents:write'] });
    const created = await at.post('/incidents', incidentBody({ tlp: 'TLP:GREEN', recipients: undefined }));
    expect(created.status).toBe(201);
    const incident = ((await created.json()) as { data: { deadlines: Parameters<typeof incidentCountdowns>[0] } }).data;
    // Aware 08:00, early warning filed 09:00 (met); the notification is due 72 h after awareness.
    const now = new Date('2026-11-27T09:00:00.000Z');
    const [early, notification, final] = incidentCountdowns(incident.deadlines, now);
    expect(early).toMatchObject({ status: 'met', tone: 'met', relative: null });
    expect(notification).toMatchObject({
      tone: 'pending',
      remainingMs: 71 * 3600_000,
      relative: { value: 2, unit: 'day' },
    });
    expect(final).toMatchObject({ dueAt: null, tone: 'pending', relative: null });
    expect(formatCountdown(notification!, 'en')).toBe('in 2 days');
    expect(refreshInterval([early!, notification!, final!])).toBe(60_000);

    const late = countdown('notification', incident.deadlines.notification, new Date('2026-11-30T08:20:00.000Z'));
    expect(late).toMatchObject({ status: 'overdue', tone: 'overdue', relative: { value: -20, unit: 'minute' } });
    expect(formatCountdown(late, 'en')).toBe('20 minutes ago');
    expect(formatCountdown(late, 'de')).toBe('vor 20 Minuten');
    expect(refreshInterval([late])).toBe(1000);
    const soon = countdown('notification', incident.deadlines.notification, new Date('2026-11-30T07:59:30.000Z'));
    expect(soon).toMatchObject({ tone: 'urgent', relative: { value: 30, unit: 'second' } });
    expect(formatCountdown(soon, 'fr')).toBe('dans 30 secondes');
  });

  it('picks the unit', () => {
    expect(relativeParts(59_999)).toEqual({ value: 59, unit: 'second' });
    expect(relativeParts(-3600_000)).toEqual({ value: -1, unit: 'hour' });
    expect(relativeParts(47 * 3600_000)).toEqual({ value: 47, unit: 'hour' });
    expect(relativeParts(48 * 3600_000)).toEqual({ value: 2, unit: 'day' });
  });
});
