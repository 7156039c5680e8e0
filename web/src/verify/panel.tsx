/**
 * The attestation panel every record page shows (through B's AttestationSlot): verifies the
 * record in the browser against the portal keys pinned in IndexedDB and says, check by
 * check, what was verified in plain words, or exactly what failed. The verification code is
 * loaded when a panel first needs it, not with the first page.
 */
import { type Child, useEffect, useState } from 'hono/jsx/dom';
import { useApp, useT } from '../context.ts';
import type { Formatters } from '../i18n/format.ts';
import type { Translate } from '../i18n/messages.ts';
import type { AttestationVerification, CheckOutcome } from './attestation.ts';
import { verifyMessages } from './verify.messages.ts';

type T = Translate<(typeof verifyMessages)['en']>;

const TRUSTED = 'cbm.checkpoint:';

/** The checkpoint seen last on this portal: the next one must extend it. */
function trustedCheckpoint(origin: string): { size: number; root: string } | undefined {
  try {
    const saved = JSON.parse(localStorage.getItem(TRUSTED + origin) ?? 'null') as { size?: unknown; root?: unknown };
    if (saved && typeof saved.size === 'number' && typeof saved.root === 'string')
      return { size: saved.size, root: saved.root };
  } catch {
    // Nothing kept (storage disabled or unreadable): consistency is then not checked.
  }
  return undefined;
}

function keepCheckpoint(origin: string, checkpoint: { size: number; root: string }) {
  try {
    const previous = trustedCheckpoint(origin);
    if (!previous || checkpoint.size > previous.size)
      localStorage.setItem(TRUSTED + origin, JSON.stringify({ size: checkpoint.size, root: checkpoint.root }));
  } catch {
    // Not kept; verification itself does not depend on it.
  }
}

const shortKid = (kid: unknown) => (typeof kid === 'string' && kid.length > 12 ? `${kid.slice(0, 10)}…` : String(kid));

/** The plain-language sentence for one check. */
export function explain(check: CheckOutcome, t: T, fmt: Formatters): string {
  const facts = check.facts;
  const date = (value: unknown) => (typeof value === 'string' ? fmt.dateTime(value) : '');
  const state = String(facts.principal ?? '');
  if (check.status === 'failed' && check.failure) {
    const fields = Array.isArray(facts.fields) ? fmt.list(facts.fields as string[]) : '';
    return t(`fail.${check.failure.code}`, { state, fields });
  }
  if (check.status === 'skipped')
    return check.name === 'served-record' && check.facts.reached ? t('skip.served-record') : t('skip.any');
  switch (check.name) {
    case 'portal-signature':
      return t('ok.portal-signature', { date: date(facts.signedAt) });
    case 'key-registration':
      return facts.provenBy === 'pinned'
        ? t('ok.key-pinned')
        : t('ok.key-registration', {
            kid: shortKid(facts.kid),
            state,
            date: date(facts.registeredAt),
            index: Number(facts.registrationIndex),
          });
    case 'state-signature':
      return t('ok.state-signature', { state, kid: shortKid(facts.kid), date: date(facts.signedAt) });
    case 'log-inclusion':
      return t('ok.log-inclusion', { index: Number(facts.logIndex), size: Number(facts.treeSize) });
    case 'witnesses':
      return check.status === 'warning'
        ? t('warn.witnesses')
        : t('ok.witnesses', { states: fmt.list((facts.states as string[]) ?? []) });
    case 'served-record':
      return t('ok.served-record');
  }
}

const STATUS_LABEL = { passed: 'passed', failed: 'failedLabel', warning: 'warning', skipped: 'skipped' } as const;
const STATUS_ICON = { passed: '✓', failed: '✗', warning: '!', skipped: '–' } as const;

export function AttestationPanel(props: { attestationId: string; record?: unknown }) {
  const { client, origin, pins, fmt } = useApp();
  const t = useT(verifyMessages);
  const [result, setResult] = useState<AttestationVerification | { error: string } | null>(null);
  const [round, setRound] = useState(0);
  const jwks = pins.status === 'pinned' ? pins.jwks : undefined;

  useEffect(() => {
    if (!jwks) return;
    let current = true;
    setResult(null);
    import('./attestation.ts')
      .then(({ verifyRecordAttestation }) =>
        verifyRecordAttestation({
          client,
          issuer: origin,
          jwks,
          attestationId: props.attestationId,
          displayed:
            props.record && typeof props.record === 'object' ? (props.record as Record<string, unknown>) : undefined,
          trusted: trustedCheckpoint(origin),
        }),
      )
      .then(
        (verified) => {
          if (verified.ok && verified.checkpoint) keepCheckpoint(origin, verified.checkpoint);
          if (current) setResult(verified);
        },
        (error: unknown) => current && setResult({ error: error instanceof Error ? error.message : String(error) }),
      );
    return () => {
      current = false;
    };
  }, [props.attestationId, jwks, client, origin, round]);

  let body: Child = null;
  if (pins.status === 'changed') body = <p class="verify-verdict verify-failed">{t('pinsChanged')}</p>;
  else if (pins.status === 'unavailable')
    body = <p class="verify-verdict verify-failed">{t('pinsMissing', { detail: pins.error })}</p>;
  else if (!result) body = <p class="verify-verdict">{t('verifying')}</p>;
  else if ('error' in result)
    body = (
      <p class="verify-verdict verify-failed">
        {t('fail.unavailable')} <span class="muted">{result.error}</span>
      </p>
    );
  else {
    const failed = result.checks.find((check) => check.status === 'failed');
    body = (
      <>
        <p class={`verify-verdict ${failed ? 'verify-failed' : 'verify-ok'}`}>
          {failed
            ? t('failed', { check: t(`title.${failed.name}`) })
            : t('allPassed', { state: result.claims?.principal ?? '' })}
        </p>
        <ol class="verify-checks">
          {result.checks.map((check) => (
            <li class={`verify-check verify-${check.status}`} data-check={check.name} data-status={check.status}>
              <span class="verify-icon" aria-hidden="true">
                {STATUS_ICON[check.status]}
              </span>
              <div>
                <p class="verify-title">
                  <strong>{t(`title.${check.name}`)}</strong>{' '}
                  <span class="verify-status">{t(STATUS_LABEL[check.status])}</span>
                </p>
                <p>{explain(check, t, fmt)}</p>
                {check.failure ? (
                  <details>
                    <summary>{t('technical')}</summary>
                    <p class="break">{check.failure.detail}</p>
                  </details>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      </>
    );
  }

  return (
    <section
      class="attestation-panel"
      aria-labelledby={`verify-${props.attestationId}`}
      data-testid="attestation-panel"
    >
      <h2 id={`verify-${props.attestationId}`}>{t('heading')}</h2>
      <div role="status" aria-live="polite">
        {body}
      </div>
      <p class="muted">
        <code class="break">{props.attestationId}</code>
      </p>
      {jwks ? (
        <button type="button" class="secondary" onClick={() => setRound((n) => n + 1)}>
          {t('again')}
        </button>
      ) : null}
    </section>
  );
}
