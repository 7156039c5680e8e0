/**
 * The state x CBM implementation grid (issue 16 item 5) as plain data for the page: one row
 * per state, one cell per CBM 1-16, each with its status (the colour), what was published
 * and where its records are listed. Computed from `getImplementationOverview`, never by hand.
 */
import type { Schemas } from '../../../clients/typescript/src/client.ts';

export type ImplementationStatus = Schemas['ImplementationStatus'];

export interface OverviewCell {
  cbm: number;
  status: ImplementationStatus;
  /** Records counted over every kind. */
  count: number;
  latest: string | null;
  /** What was published, one per kind, most recent first. */
  contributions: { kind: string; count: number; latest: string; href: string }[];
  /** Where the cell links: the records of its most recent contribution, or none. */
  href: string | null;
}

export interface OverviewRow {
  state: string;
  name: string;
  cells: OverviewCell[];
  /** CBMs with a current contribution. */
  current: number;
}

export interface OverviewGrid {
  cbms: number[];
  rows: OverviewRow[];
  /** Per CBM, how many states are current, stale, or have nothing. */
  columns: { cbm: number; current: number; stale: number; none: number }[];
  generatedAt: string;
  currentAfter: string;
}

export const CBMS = Array.from({ length: 16 }, (_, index) => index + 1);

/** The grid for the page, rows in the answer's order (registration order), cells by CBM. */
export function overviewGrid(overview: Schemas['ImplementationOverview']): OverviewGrid {
  const rows = overview.states.map((row): OverviewRow => {
    const byCbm = new Map(row.cbms.map((cell) => [cell.cbm, cell]));
    const cells = CBMS.map((cbm): OverviewCell => {
      const cell = byCbm.get(cbm);
      const contributions = [...(cell?.contributions ?? [])].sort((a, b) => b.latest.localeCompare(a.latest));
      return {
        cbm,
        status: cell?.status ?? 'none',
        count: contributions.reduce((sum, contribution) => sum + contribution.count, 0),
        latest: cell?.latest ?? null,
        contributions,
        href: contributions[0]?.href ?? null,
      };
    });
    return {
      state: row.state,
      name: row.name,
      cells,
      current: cells.filter((cell) => cell.status === 'current').length,
    };
  });
  const columns = CBMS.map((cbm) => {
    const counts = { cbm, current: 0, stale: 0, none: 0 };
    for (const row of rows) counts[row.cells[cbm - 1]!.status] += 1;
    return counts;
  });
  return { cbms: CBMS, rows, columns, generatedAt: overview.generated_at, currentAfter: overview.current_after };
}

/** The file name the CSV export is saved under: `cbm-overview-<date>.csv`. */
export const overviewCsvName = (generatedAt: string) => `cbm-overview-${generatedAt.slice(0, 10)}.csv`;
