/**
 * Key management: load the private JWK file `cbm keygen` wrote (once), or create a key in
 * the browser and hand its public JWK to the Secretariat; choose which key signs; forget a
 * key; see the portal's pinned keys. Keys are non-extractable CryptoKeys in IndexedDB.
 */
import { useState } from 'hono/jsx/dom';
import { createPortalClient, ok, type Schemas } from '../../../clients/typescript/src/client.ts';
import { describeFingerprint } from '../../../clients/typescript/src/pinning.ts';
import { createRequestSignerFromKey, SigningKeyError } from '../../../clients/typescript/src/sign.ts';
import { ErrorNotice, Loading } from '../components/states.tsx';
import { useLoad } from '../components/load.ts';
import { useApp, useT } from '../context.ts';
import {
  assertUsable,
  generateKey,
  importKeyFile,
  KeyFileError,
  publicJwkText,
  type KeyMaterial,
} from '../keys/material.ts';
import {
  forgetKey,
  keyId,
  keysFor,
  saveKey,
  setActiveKeyId,
  type KeyAlgorithm,
  type StoredKey,
} from '../keys/store.ts';
import { keysMessages } from './keys.messages.ts';
import { definePage } from './page.ts';

const PRINCIPAL = /^([A-Z]{2}|secretariat)$/;
const normalisePrincipal = (value: string) => {
  const trimmed = value.trim();
  return trimmed.toLowerCase() === 'secretariat' ? 'secretariat' : trimmed.toUpperCase();
};

/**
 * Asks the portal, signing with the key itself, how it knows the key: a key the Secretariat
 * has not registered (or registered for another principal) is refused, with the reason.
 */
async function registration(
  origin: string,
  principal: string,
  material: KeyMaterial,
): Promise<Schemas['PrincipalKey']> {
  const signer = await createRequestSignerFromKey({ principal, ...material, audience: origin });
  const client = await createPortalClient({ baseUrl: origin, signer });
  return ok(
    client.GET('/principals/{principalId}/keys/{kid}', {
      params: { path: { principalId: principal, kid: material.kid } },
    }),
  );
}

async function store(origin: string, principal: string, material: KeyMaterial, source: StoredKey['source']) {
  await assertUsable(material, principal, origin);
  const id = keyId(origin, principal, material.kid);
  await saveKey({ id, origin, principal, source, added_at: new Date().toISOString(), ...material });
  setActiveKeyId(origin, id);
}

function KeysPage() {
  const app = useApp();
  const t = useT(keysMessages);
  const [round, setRound] = useState(0);
  const keys = useLoad(() => keysFor(app.origin), [app.origin, round]);
  const changed = async () => {
    await app.refreshSession();
    setRound((n) => n + 1);
  };
  return (
    <>
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <section aria-labelledby="my-keys">
        <h2 id="my-keys">{t('myKeys')}</h2>
        {keys.state === 'loading' ? <Loading /> : null}
        {keys.state === 'error' ? <ErrorNotice error={keys.error} onRetry={keys.reload} /> : null}
        {keys.state === 'ok' && keys.data.length === 0 ? <p class="state-empty">{t('noKeys')}</p> : null}
        {keys.state === 'ok' && keys.data.length > 0 ? <KeyList keys={keys.data} onChange={changed} /> : null}
      </section>
      <LoadKeyFile onLoaded={changed} />
      <CreateKey onCreated={changed} />
      <PinnedKeys />
    </>
  );
}

function KeyList(props: { keys: StoredKey[]; onChange: () => Promise<void> }) {
  const app = useApp();
  const t = useT(keysMessages);
  return (
    <ul class="cards" data-testid="key-list">
      {props.keys.map((key) => {
        const active = app.session?.key.id === key.id;
        return (
          <li class="card" data-kid={key.kid}>
            <p>
              <strong>{key.principal}</strong> · {key.alg === 'EdDSA' ? 'Ed25519' : 'P-256'} ·{' '}
              {t(key.source === 'file' ? 'fromFile' : 'generatedHere')} · {app.fmt.dateTime(key.added_at)}
              {active ? <span class="badge">{t('inUse')}</span> : null}
            </p>
            <p>
              {t('kid')} <code class="break">{key.kid}</code>
            </p>
            <details>
              <summary>{t('showPublic')}</summary>
              <PublicJwk material={key} />
            </details>
            <div class="actions">
              {active ? null : (
                <button
                  type="button"
                  onClick={async () => {
                    setActiveKeyId(app.origin, key.id);
                    await props.onChange();
                  }}
                >
                  {t('useKey')}
                </button>
              )}
              <button
                type="button"
                class="danger"
                onClick={async () => {
                  if (!window.confirm(t('forgetConfirm', { principal: key.principal }))) return;
                  await forgetKey(key.id);
                  if (active) setActiveKeyId(app.origin, null);
                  await props.onChange();
                }}
              >
                {t('forget')}
              </button>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function keyError(error: unknown, t: ReturnType<typeof useT<(typeof keysMessages)['en']>>): Error {
  if (error instanceof KeyFileError) return new Error(t(`file-${error.reason}`));
  if (error instanceof SigningKeyError) return new Error(t('keyRefused', { reason: error.reason }));
  return error instanceof Error ? error : new Error(String(error));
}

function LoadKeyFile(props: { onLoaded: () => Promise<void> }) {
  const app = useApp();
  const t = useT(keysMessages);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [unregistered, setUnregistered] = useState<unknown>(null);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const input = form.elements.namedItem('keyfile') as HTMLInputElement;
    const principal = normalisePrincipal((form.elements.namedItem('principal') as HTMLInputElement).value);
    setError(null);
    setDone(null);
    setUnregistered(null);
    if (!PRINCIPAL.test(principal)) return setError(new Error(t('badPrincipal')));
    const file = input.files?.[0];
    if (!file) return setError(new Error(t('chooseFile')));
    setBusy(true);
    try {
      const material = await importKeyFile(await file.text());
      await store(app.origin, principal, material, 'file');
      try {
        const known = await registration(app.origin, principal, material);
        setDone(
          `${t('loaded', { principal, kid: material.kid })} ${t('registered', { scopes: known.scopes.join(', ') })}`,
        );
      } catch (refused) {
        setDone(t('loaded', { principal, kid: material.kid }));
        setUnregistered(refused);
      }
      await props.onLoaded();
    } catch (caught) {
      setError(keyError(caught, t));
    } finally {
      // The file's text is gone with this scope; clear the chosen file too.
      input.value = '';
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="load-key">
      <h2 id="load-key">{t('loadTitle')}</h2>
      <p>{t('loadIntro')}</p>
      <form onSubmit={onSubmit} class="form">
        <label for="load-principal">{t('principal')}</label>
        <input
          id="load-principal"
          name="principal"
          required
          autocomplete="off"
          aria-describedby="load-principal-hint"
        />
        <p id="load-principal-hint" class="hint">
          {t('principalHint')}
        </p>
        <label for="load-file">{t('keyFile')}</label>
        <input id="load-file" name="keyfile" type="file" accept=".jwk,.json,application/json" required />
        <div class="actions">
          <button type="submit" disabled={busy}>
            {t('load')}
          </button>
        </div>
      </form>
      {error ? <ErrorNotice error={error} /> : null}
      {done ? (
        <p class="notice notice-ok" role="status">
          {done}
        </p>
      ) : null}
      {unregistered ? (
        <>
          <p>{t('notRegistered')}</p>
          <ErrorNotice error={unregistered} />
        </>
      ) : null}
    </section>
  );
}

function CreateKey(props: { onCreated: () => Promise<void> }) {
  const app = useApp();
  const t = useT(keysMessages);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<KeyMaterial | null>(null);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const principal = normalisePrincipal((form.elements.namedItem('principal') as HTMLInputElement).value);
    const alg = (form.elements.namedItem('alg') as HTMLSelectElement).value as KeyAlgorithm;
    setError(null);
    setCreated(null);
    if (!PRINCIPAL.test(principal)) return setError(new Error(t('badPrincipal')));
    try {
      const material = await generateKey(alg);
      await store(app.origin, principal, material, 'generated');
      setCreated(material);
      await props.onCreated();
    } catch (caught) {
      setError(
        caught instanceof DOMException && caught.name === 'NotSupportedError'
          ? new Error(t('algUnsupported'))
          : keyError(caught, t),
      );
    }
  };
  return (
    <section aria-labelledby="create-key">
      <h2 id="create-key">{t('createTitle')}</h2>
      <p>{t('createIntro')}</p>
      <form onSubmit={onSubmit} class="form">
        <label for="create-principal">{t('principal')}</label>
        <input
          id="create-principal"
          name="principal"
          required
          autocomplete="off"
          aria-describedby="create-principal-hint"
        />
        <p id="create-principal-hint" class="hint">
          {t('principalHint')}
        </p>
        <label for="create-alg">{t('algorithm')}</label>
        <select id="create-alg" name="alg">
          <option value="EdDSA">{t('ed25519')}</option>
          <option value="ES256">{t('p256')}</option>
        </select>
        <div class="actions">
          <button type="submit">{t('create')}</button>
        </div>
      </form>
      {error ? <ErrorNotice error={error} /> : null}
      {created ? (
        <div class="notice notice-ok" role="status">
          <p>{t('createdNext')}</p>
          <PublicJwk material={created} />
        </div>
      ) : null}
    </section>
  );
}

/** The public JWK, with copy and download, as the Secretariat registers it. */
function PublicJwk(props: { material: Pick<KeyMaterial, 'publicJwk' | 'kid' | 'alg'> }) {
  const t = useT(keysMessages);
  const [copied, setCopied] = useState(false);
  const text = publicJwkText(props.material);
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/jwk+json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `public-${props.material.kid.slice(0, 12)}.jwk`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div class="public-jwk">
      <pre data-testid="public-jwk">{text}</pre>
      <div class="actions">
        <button
          type="button"
          onClick={async () => {
            await navigator.clipboard.writeText(text);
            setCopied(true);
          }}
        >
          {t('copy')}
        </button>
        <button type="button" onClick={download}>
          {t('download')}
        </button>
        {copied ? <span role="status">{t('copied')}</span> : null}
      </div>
    </div>
  );
}

function PinnedKeys() {
  const { pins, fmt } = useApp();
  const t = useT(keysMessages);
  return (
    <section aria-labelledby="portal-keys">
      <h2 id="portal-keys">{t('portalKeys')}</h2>
      <p>{t('portalKeysIntro')}</p>
      {pins.status === 'loading' ? <Loading /> : null}
      {pins.status === 'unavailable' ? <ErrorNotice error={new Error(pins.error)} /> : null}
      {pins.status === 'pinned' || pins.status === 'changed' ? (
        <>
          <p>{t('pinnedAt', { when: fmt.dateTime(pins.pinned_at) })}</p>
          <ul data-testid="pinned-keys">
            {pins.keys.map((key) => (
              <li>
                <code class="break">{describeFingerprint(key)}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export const keysPage = definePage({
  path: '/keys',
  messages: keysMessages,
  title: 'title',
  component: KeysPage,
});
