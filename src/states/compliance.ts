import type { components } from '../generated/openapi.ts';

export type Compliance = components['schemas']['Compliance'];

/** CBM 8 practice: confirm the directory entries once a year. */
export const CONFIRMATION_INTERVAL_MS = 365 * 24 * 3600 * 1000;

/**
 * A state is `current` while less than 365 days have passed since its last confirmation;
 * a state that has never confirmed is `confirmation-due`.
 */
export function confirmationStatus(
  lastConfirmedAt: string | null,
  now: Date,
): Pick<Compliance, 'status' | 'confirmation_due_at'> {
  if (!lastConfirmedAt) return { status: 'confirmation-due', confirmation_due_at: null };
  const dueAt = new Date(new Date(lastConfirmedAt).getTime() + CONFIRMATION_INTERVAL_MS);
  return {
    status: now.getTime() > dueAt.getTime() ? 'confirmation-due' : 'current',
    confirmation_due_at: dueAt.toISOString(),
  };
}
