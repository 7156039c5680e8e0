/** The session: the active stored key of this portal, and a client that signs with it. */
import { createPortalClient, type PortalClient } from '../../clients/typescript/src/client.ts';
import { createRequestSignerFromKey } from '../../clients/typescript/src/sign.ts';
import type { Session } from './context.ts';
import { activeKeyId, keysFor, type StoredKey } from './keys/store.ts';

export interface Signed {
  session: Session | null;
  client: PortalClient;
}

export const anonymousClient = (origin: string) => createPortalClient({ baseUrl: origin });

/** The active key (or the newest one) and a client that signs every request with it. */
export async function openSession(origin: string): Promise<Signed> {
  let keys: StoredKey[] = [];
  try {
    keys = await keysFor(origin);
  } catch {
    // IndexedDB unavailable (private mode in some browsers): no session, the keys page says so.
  }
  const chosen = keys.find((key) => key.id === activeKeyId(origin)) ?? keys[0];
  if (!chosen) return { session: null, client: await anonymousClient(origin) };
  const signer = await createRequestSignerFromKey({
    principal: chosen.principal,
    privateKey: chosen.privateKey,
    publicJwk: chosen.publicJwk,
    audience: origin,
  });
  const { privateKey: _secret, ...key } = chosen;
  return {
    session: { principal: chosen.principal, kind: chosen.principal === 'secretariat' ? 'secretariat' : 'state', key },
    client: await createPortalClient({ baseUrl: origin, signer }),
  };
}
