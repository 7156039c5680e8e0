/**
 * The person's signing keys, kept in IndexedDB as non-extractable WebCrypto keys, one
 * record per portal origin, principal and kid. Nothing here ever holds a private JWK: the
 * record has the CryptoKey (which the browser will not export) and the public JWK.
 */
import type { JWK } from 'jose';
import { allRecords, deleteRecord, getRecord, KEY_STORE, putRecord } from './idb.ts';

export type KeyAlgorithm = 'EdDSA' | 'ES256';

export interface StoredKey {
  /** `${origin} ${principal} ${kid}` */
  id: string;
  origin: string;
  principal: string;
  kid: string;
  alg: KeyAlgorithm;
  publicJwk: JWK;
  privateKey: CryptoKey;
  /** Where the key came from: loaded from a file or created in this browser. */
  source: 'file' | 'generated';
  added_at: string;
}

export const keyId = (origin: string, principal: string, kid: string) => `${origin} ${principal} ${kid}`;

export const saveKey = (key: StoredKey) => putRecord(KEY_STORE, key);
export const loadKey = (id: string) => getRecord<StoredKey>(KEY_STORE, id);
export const forgetKey = (id: string) => deleteRecord(KEY_STORE, id);

/** This portal's keys, newest first. */
export async function keysFor(origin: string): Promise<StoredKey[]> {
  const all = await allRecords<StoredKey>(KEY_STORE);
  return all.filter((key) => key.origin === origin).sort((a, b) => b.added_at.localeCompare(a.added_at));
}

const ACTIVE = (origin: string) => `cbm.active-key ${origin}`;

/** Which of this portal's keys signs (only the record's id is kept, no key material). */
export function activeKeyId(origin: string): string | null {
  try {
    return localStorage.getItem(ACTIVE(origin));
  } catch {
    return null;
  }
}

export function setActiveKeyId(origin: string, id: string | null): void {
  try {
    if (id) localStorage.setItem(ACTIVE(origin), id);
    else localStorage.removeItem(ACTIVE(origin));
  } catch {
    // Without storage the first key of the portal is used.
  }
}
