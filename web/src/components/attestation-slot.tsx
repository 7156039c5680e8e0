/**
 * Where a record page shows its attestation: C's AttestationPanel (web/src/verify/panel.tsx),
 * which verifies it in the browser against the pinned keys. Record pages use only this slot.
 */
import { useT } from '../context.ts';
import { commonMessages } from './common.messages.ts';

export function AttestationSlot(props: { attestationId: string; record?: unknown }) {
  const t = useT(commonMessages);
  return (
    <section class="attestation-slot" aria-label={t('attestation')}>
      <p>
        {t('attestation')}: <code class="break">{props.attestationId}</code>
      </p>
    </section>
  );
}
