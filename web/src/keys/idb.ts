/** A few promises over IndexedDB: one database, two stores (keys and pinned portal keys). */
const DB_NAME = 'cbm-portal';
const DB_VERSION = 1;
export const KEY_STORE = 'keys';
export const PIN_STORE = 'pins';

let opening: Promise<IDBDatabase> | undefined;

export function openDatabase(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(KEY_STORE)) db.createObjectStore(KEY_STORE, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(PIN_STORE)) db.createObjectStore(PIN_STORE, { keyPath: 'origin' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => {
      opening = undefined;
      reject(request.error);
    };
  });
  return opening;
}

const done = <T>(request: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

export async function getRecord<T>(store: string, key: IDBValidKey): Promise<T | undefined> {
  const db = await openDatabase();
  return done(db.transaction(store).objectStore(store).get(key)) as Promise<T | undefined>;
}

export async function allRecords<T>(store: string): Promise<T[]> {
  const db = await openDatabase();
  return done(db.transaction(store).objectStore(store).getAll()) as Promise<T[]>;
}

export async function putRecord<T>(store: string, value: T): Promise<void> {
  const db = await openDatabase();
  const transaction = db.transaction(store, 'readwrite');
  transaction.objectStore(store).put(value);
  await committed(transaction);
}

export async function deleteRecord(store: string, key: IDBValidKey): Promise<void> {
  const db = await openDatabase();
  const transaction = db.transaction(store, 'readwrite');
  transaction.objectStore(store).delete(key);
  await committed(transaction);
}

const committed = (transaction: IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
