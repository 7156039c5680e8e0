/**
 * Where a record page shows its attestation: C's AttestationPanel (web/src/verify/panel.tsx),
 * which verifies it in the browser against the pinned keys. Record pages use only this slot.
 */
import { AttestationPanel } from '../verify/panel.tsx';

export function AttestationSlot(props: { attestationId: string; record?: unknown }) {
  return <AttestationPanel attestationId={props.attestationId} record={props.record} />;
}
