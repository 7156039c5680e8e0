/**
 * The portal's keys pinned on first use, as `cbm init` does, with the client library's own
 * pinning rules (clients/typescript/src/pinning.ts). The pinned JWKS is kept in IndexedDB per
 * origin. A key the portal serves that was not pinned stops verification until the person
 * accepts it, having compared its fingerprint with one the operator gave them.
 */
import type { PinnedJwks } from '../../../clients/typescript/src/audit.ts';
import { fingerprintsOf, unpinned, withAccepted, type Fingerprint } from '../../../clients/typescript/src/pinning.ts';
import { getRecord, PIN_STORE, putRecord } from './idb.ts';

interface PinRecord {
  origin: string;
  jwks: PinnedJwks;
  pinned_at: string;
}

export type PinState =
  | { status: 'loading' }
  /** The served keys are all pinned; `first` when they were pinned just now. */
  | { status: 'pinned'; jwks: PinnedJwks; pinned_at: string; keys: Fingerprint[]; first: boolean }
  /** The portal serves keys that were not pinned: nothing is verified until accepted. */
  | { status: 'changed'; jwks: PinnedJwks; pinned_at: string; keys: Fingerprint[]; added: Fingerprint[] }
  /** The portal's keys could not be fetched (and none pinned before). */
  | { status: 'unavailable'; error: string };

export async function servedJwks(origin: string, fetchImpl: typeof fetch = fetch): Promise<PinnedJwks> {
  const response = await fetchImpl(`${origin}/.well-known/jwks.json`, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const jwks = (await response.json()) as PinnedJwks;
  if (!Array.isArray(jwks?.keys)) throw new Error('no "keys" array');
  return jwks;
}

/** Compares what the portal serves with what was pinned; pins everything at first contact. */
export async function checkPins(origin: string, now = new Date(), fetchImpl: typeof fetch = fetch): Promise<PinState> {
  const pinned = await getRecord<PinRecord>(PIN_STORE, origin);
  let served: PinnedJwks;
  try {
    served = await servedJwks(origin, fetchImpl);
  } catch (error) {
    if (!pinned) return { status: 'unavailable', error: error instanceof Error ? error.message : String(error) };
    // Offline: the pinned keys still verify what was fetched before.
    return {
      status: 'pinned',
      jwks: pinned.jwks,
      pinned_at: pinned.pinned_at,
      keys: await fingerprintsOf(pinned.jwks),
      first: false,
    };
  }
  if (!pinned) {
    const record = {
      origin,
      jwks: withAccepted(undefined, await fingerprintsOf(served)),
      pinned_at: now.toISOString(),
    };
    await putRecord(PIN_STORE, record);
    return {
      status: 'pinned',
      jwks: record.jwks,
      pinned_at: record.pinned_at,
      keys: await fingerprintsOf(record.jwks),
      first: true,
    };
  }
  const added = await unpinned(pinned.jwks, served);
  const keys = await fingerprintsOf(pinned.jwks);
  if (added.length) return { status: 'changed', jwks: pinned.jwks, pinned_at: pinned.pinned_at, keys, added };
  return { status: 'pinned', jwks: pinned.jwks, pinned_at: pinned.pinned_at, keys, first: false };
}

/** The person's explicit "accept": the new keys join the pinned set. */
export async function acceptKeys(origin: string, state: Extract<PinState, { status: 'changed' }>, now = new Date()) {
  const record = { origin, jwks: withAccepted(state.jwks, state.added), pinned_at: now.toISOString() };
  await putRecord(PIN_STORE, record);
}
