/**
 * The log's witnesses: who cosigned the latest checkpoint, checked in the browser against
 * witness keys proven through their registrations and the portal keys you pinned.
 */
import { useLoad } from '../components/load.ts';
import { Empty, Show, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import { definePage } from './page.ts';
import { witnessesMessages } from './witnesses.messages.ts';

function WitnessesPage() {
  const { client, origin, pins, fmt } = useApp();
  const t = useT(witnessesMessages);
  const jwks = pins.status === 'pinned' ? pins.jwks : undefined;
  const loaded = useLoad(async () => {
    if (!jwks) throw new Error(t('noPins'));
    const { latestWitnesses } = await import('../verify/witnesses.ts');
    return latestWitnesses({ client, issuer: origin, jwks });
  }, [client, origin, jwks]);
  return (
    <WithKey>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <Show loaded={loaded}>
        {(view) => (
          <>
            <p role="status" data-testid="witness-summary">
              {view.cosigners.length
                ? t('cosignedBy', { size: view.checkpoint.size, states: fmt.list(view.cosigners) })
                : t('notCosigned', { size: view.checkpoint.size })}
            </p>
            {view.rows.length === 0 ? (
              <Empty>{t('none')}</Empty>
            ) : (
              <div class="table-wrap">
                <table data-testid="witness-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('state')}</th>
                      <th scope="col">{t('key')}</th>
                      <th scope="col">{t('standing')}</th>
                      <th scope="col">{t('cosigned')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {view.rows.map((row) => (
                      <tr data-state={row.principal} data-standing={row.standing}>
                        <th scope="row">{row.principal}</th>
                        <td>
                          <code class="break">{row.kid}</code>
                        </td>
                        <td>
                          {t(`standing.${row.standing}`)}
                          {row.reason ? <span class="muted"> — {row.reason}</span> : null}
                        </td>
                        <td>{row.cosignedAt ? fmt.dateTime(row.cosignedAt) : t('notYet')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </Show>
    </WithKey>
  );
}

export const witnessesPage = definePage({
  path: '/witnesses',
  messages: witnessesMessages,
  title: 'title',
  component: WitnessesPage,
});
