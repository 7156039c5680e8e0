import { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import { negotiate } from '../http/negotiate.ts';
import { operation } from '../http/operation.ts';
import { implementationOverview, overviewCsv } from './overview.ts';

export const overview = new Hono<AppEnv>().get('/', operation('getImplementationOverview'), async (c) => {
  // JSON unless only CSV is accepted (the export for the annual report); 406 for neither.
  const type = negotiate(c, 'application/json', 'text/csv');
  const grid = await implementationOverview(
    c.get('deps').db,
    c.get('caller'),
    c.get('deps').clock.now(),
    c.get('input').query.state,
  );
  c.header('Vary', 'Accept');
  if (type === 'text/csv') return c.body(overviewCsv(grid), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  return c.json(grid);
});
