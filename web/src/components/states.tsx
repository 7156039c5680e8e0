/** Loading, empty and error states every page shows the same way. */
import type { Child } from 'hono/jsx/dom';
import { PortalError } from '../../../clients/typescript/src/client.ts';
import { useApp, useT } from '../context.ts';
import { commonMessages } from './common.messages.ts';
import type { Loaded } from './load.ts';

export function Loading() {
  const t = useT(commonMessages);
  return (
    <p class="state-loading" role="status" aria-live="polite">
      {t('loading')}
    </p>
  );
}

export function Empty(props: { children?: Child }) {
  const t = useT(commonMessages);
  return <p class="state-empty">{props.children ?? t('empty')}</p>;
}

/**
 * The portal's RFC 9457 problem shown plainly: its `title` and `detail`, each bad field,
 * and the request reference to quote to the Secretariat. Other errors show their message.
 */
export function ErrorNotice(props: { error: unknown; onRetry?: () => void }) {
  const t = useT(commonMessages);
  const { error } = props;
  let title = t('errorHeading');
  let details: string[] = [];
  let reference: string | undefined;
  if (error instanceof PortalError) {
    title = error.problem.title;
    details = [
      ...(error.problem.detail ? [error.problem.detail] : []),
      ...(error.problem.errors ?? []).map((field) =>
        t('fieldError', { field: field.pointer || field.parameter || '/', detail: field.detail }),
      ),
    ];
    reference = error.problem.instance?.replace(/^urn:cbm:request:/, '');
  } else if (error instanceof TypeError) {
    details = [t('networkError', { detail: error.message })];
  } else {
    details = [error instanceof Error ? error.message : String(error)];
  }
  return (
    <div class="notice notice-error" role="alert">
      <p class="notice-title">{title}</p>
      {details.map((line) => (
        <p>{line}</p>
      ))}
      {reference ? <p class="muted">{t('requestId', { id: reference })}</p> : null}
      {props.onRetry ? (
        <button type="button" onClick={props.onRetry}>
          {t('retry')}
        </button>
      ) : null}
    </div>
  );
}

/** Renders a `useLoad` result: loading, error (with retry), or the content. */
export function Show<T>(props: { loaded: Loaded<T>; children: (data: T) => Child }) {
  const { loaded } = props;
  if (loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'error') return <ErrorNotice error={loaded.error} onRetry={loaded.reload} />;
  return <>{props.children(loaded.data)}</>;
}

/** Shown instead of a page that needs a signed request when no key is loaded. */
export function NeedsKey() {
  const t = useT(commonMessages);
  return (
    <div class="notice">
      <p>{t('noKey')}</p>
      <p>
        <a href="/keys">{t('noKeyLink')}</a>
      </p>
    </div>
  );
}

/** Only for a session: pages that call the API wrap their content in it. */
export function WithKey(props: { children: Child }) {
  const { session } = useApp();
  return session ? <>{props.children}</> : <NeedsKey />;
}
