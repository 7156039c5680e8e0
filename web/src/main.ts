/** Entry point: open the session from IndexedDB, then render the shell into #app. */
import { mount } from './app.tsx';
import { applyLocale, initialLocale } from './i18n/locales.ts';
import { openSession } from './session.ts';

async function start() {
  applyLocale(initialLocale());
  const origin = window.location.origin;
  const initial = await openSession(origin);
  const root = document.getElementById('app');
  if (!root) throw new Error('no #app element');
  mount(root, origin, initial);
}

void start();
