/** Loading data for a page: one state machine (loading, loaded, failed) with a reload. */
import { useCallback, useEffect, useState } from 'hono/jsx/dom';

export type Loaded<T> =
  | { state: 'loading'; reload(): void }
  | { state: 'ok'; data: T; reload(): void }
  | { state: 'error'; error: unknown; reload(): void };

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [result, setResult] = useState<
    { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; error: unknown }
  >({
    state: 'loading',
  });
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  useEffect(() => {
    let current = true;
    setResult({ state: 'loading' });
    load().then(
      (data) => current && setResult({ state: 'ok', data }),
      (error: unknown) => current && setResult({ state: 'error', error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  return { ...result, reload } as Loaded<T>;
}
