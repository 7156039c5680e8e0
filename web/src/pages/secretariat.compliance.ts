/**
 * The compliance grid of all states (`listCompliance`, CBM 8) as plain data: each state's
 * standing, the roles it has no active contact in, and its record in past checks, with one
 * overall tone the page colours by: `ok`, `attention` (something missing or missed) or `due`
 * (the annual confirmation is due).
 */
import type { Schemas } from '../../../clients/typescript/src/client.ts';

export type ComplianceTone = 'ok' | 'attention' | 'due';

export interface ComplianceRow {
  state: string;
  tone: ComplianceTone;
  status: Schemas['Compliance']['status'];
  lastConfirmedAt: string | null;
  confirmationDueAt: string | null;
  contacts: { policy: number; technical: number };
  /** Roles (policy, technical) without an active contact. */
  missingRoles: ('policy' | 'technical')[];
  lateChanges: number;
  checks: { addressed: number; onTime: number; late: number; missed: number; lastCheckAt: string | null };
  /** Answered in time over addressed, 0-100, or null when never addressed. */
  onTimeRate: number | null;
}

export interface ComplianceGrid {
  rows: ComplianceRow[];
  totals: Record<ComplianceTone, number>;
}

export function complianceRow(item: Schemas['Compliance']): ComplianceRow {
  const missingRoles = (['policy', 'technical'] as const).filter((role) => item.active_contacts[role] < 1);
  const { addressed, answered_on_time, answered_late, missed, last_check_at } = item.checks;
  const tone: ComplianceTone =
    item.status === 'confirmation-due' ? 'due' : missingRoles.length || missed > 0 ? 'attention' : 'ok';
  return {
    state: item.state,
    tone,
    status: item.status,
    lastConfirmedAt: item.last_confirmed_at,
    confirmationDueAt: item.confirmation_due_at,
    contacts: { policy: item.active_contacts.policy, technical: item.active_contacts.technical },
    missingRoles: [...missingRoles],
    lateChanges: item.late_changes,
    checks: { addressed, onTime: answered_on_time, late: answered_late, missed, lastCheckAt: last_check_at },
    onTimeRate: addressed ? Math.round((answered_on_time / addressed) * 100) : null,
  };
}

/** Rows in the answer's order (registration order), with how many states are in each tone. */
export function complianceGrid(items: readonly Schemas['Compliance'][]): ComplianceGrid {
  const rows = items.map(complianceRow);
  const totals: Record<ComplianceTone, number> = { ok: 0, attention: 0, due: 0 };
  for (const row of rows) totals[row.tone] += 1;
  return { rows, totals };
}
