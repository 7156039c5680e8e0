/** The start page: what the portal is, and the first step (a key) or the main pages. */
import { useApp, useT } from '../context.ts';
import { homeMessages } from './home.messages.ts';
import { definePage } from './page.ts';

function HomePage() {
  const { session } = useApp();
  const t = useT(homeMessages);
  return (
    <>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      {session ? (
        <ul class="link-list">
          <li>
            <a href="/contacts">{t('directory')}</a>
          </li>
          <li>
            <a href="/documents">{t('documents')}</a>
          </li>
          <li>
            <a href="/glossary">{t('glossary')}</a>
          </li>
        </ul>
      ) : (
        <div class="notice">
          <p>{t('firstStep')}</p>
          <p>
            <a href="/keys">{t('toKeys')}</a>
          </p>
        </div>
      )}
    </>
  );
}

export const homePage = definePage({
  path: '/',
  messages: homeMessages,
  title: 'title',
  component: HomePage,
});
