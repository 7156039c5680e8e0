/**
 * The state x CBM implementation overview (issue 16 item 5): one row per state, one cell
 * per CBM coloured by status (and saying it in words for screen readers), each linking to
 * the records behind it; the CSV export for the annual report.
 */
import { useState } from 'hono/jsx/dom';
import { ok, type Schemas } from '../../../clients/typescript/src/client.ts';
import { useLoad } from '../components/load.ts';
import { Empty, ErrorNotice, Show, WithKey } from '../components/states.tsx';
import { useApp, useT } from '../context.ts';
import { overviewCsvName, overviewGrid, type OverviewCell } from './overview.model.ts';
import { overviewMessages } from './overview.messages.ts';
import { definePage } from './page.ts';

/** Saves text as a file: an object URL clicked as a download link, then released. */
export function saveFile(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Cell(props: { state: string; cell: OverviewCell }) {
  const { fmt } = useApp();
  const t = useT(overviewMessages);
  const { cell } = props;
  const status = t(`status.${cell.status}`);
  const description = cell.contributions.length
    ? t('cellDetail', {
        state: props.state,
        cbm: cell.cbm,
        status,
        kinds: fmt.list(cell.contributions.map((one) => `${one.kind} (${fmt.number(one.count)})`)),
        latest: cell.latest ? fmt.date(cell.latest) : '',
      })
    : t('cellNone', { state: props.state, cbm: cell.cbm });
  return (
    <td class={`status-${cell.status}`} data-cbm={cell.cbm} data-status={cell.status} title={description}>
      {cell.href ? (
        <a href={cell.href}>
          {fmt.number(cell.count)}
          <span class="visually-hidden"> {description}</span>
        </a>
      ) : (
        <span role="img" aria-label={description}>
          –
        </span>
      )}
    </td>
  );
}

function OverviewPage() {
  const { client, fmt } = useApp();
  const t = useT(overviewMessages);
  const [exportError, setExportError] = useState<unknown>(null);
  const loaded = useLoad(
    async () => overviewGrid((await ok(client.GET('/overview'))) as Schemas['ImplementationOverview']),
    [client],
  );
  const exportCsv = async (generatedAt: string) => {
    setExportError(null);
    try {
      const csv = await ok(client.GET('/overview', { parseAs: 'text', headers: { Accept: 'text/csv' } }));
      saveFile(overviewCsvName(generatedAt), 'text/csv', csv as unknown as string);
    } catch (failure) {
      setExportError(failure);
    }
  };
  return (
    <WithKey>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <Show loaded={loaded}>
        {(grid) =>
          grid.rows.length === 0 ? (
            <Empty>{t('none')}</Empty>
          ) : (
            <>
              <ul class="legend" aria-label={t('legend')}>
                {(['current', 'stale', 'none'] as const).map((status) => (
                  <li>
                    <span class={`swatch status-${status}`} aria-hidden="true" /> {t(`status.${status}`)}
                  </li>
                ))}
              </ul>
              <p class="muted">
                {t('generated', { date: fmt.dateTime(grid.generatedAt), since: fmt.date(grid.currentAfter) })}
              </p>
              <div class="actions">
                <button
                  type="button"
                  class="secondary"
                  onClick={() => exportCsv(grid.generatedAt)}
                  data-testid="export-csv"
                >
                  {t('exportCsv')}
                </button>
              </div>
              {exportError ? <ErrorNotice error={exportError} /> : null}
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region takes the keyboard focus (WCAG 2.1.1) */}
              <section class="table-wrap" tabIndex={0} aria-label={t('caption')}>
                <table class="status-grid" data-testid="overview-grid">
                  <caption class="muted">{t('caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('state')}</th>
                      {grid.cbms.map((cbm) => (
                        <th scope="col" title={t(`cbm.${cbm}` as 'cbm.1')}>
                          {cbm}
                        </th>
                      ))}
                      <th scope="col">{t('currentCount')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {grid.rows.map((row) => (
                      <tr data-state={row.state}>
                        <th scope="row">
                          {row.state} <span class="muted">{row.name}</span>
                        </th>
                        {row.cells.map((cell) => (
                          <Cell state={row.state} cell={cell} />
                        ))}
                        <td>{t('ofSixteen', { count: row.current })}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <h2>{t('measures')}</h2>
              <ol class="cbm-list">
                {grid.cbms.map((cbm) => (
                  <li value={cbm}>{t(`cbm.${cbm}` as 'cbm.1')}</li>
                ))}
              </ol>
            </>
          )
        }
      </Show>
    </WithKey>
  );
}

export const overviewPage = definePage({
  path: '/overview',
  messages: overviewMessages,
  title: 'title',
  component: OverviewPage,
});
