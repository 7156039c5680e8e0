/**
 * "Publish a new version" on a record page (bodies, channels): the signed PUT with the
 * loaded version's ETag in If-Match. When someone published a version meanwhile (412),
 * the newer version is named and the person's values stay in the form to reapply; any
 * other refusal is shown as it came. Either way the record is read again.
 */
import { useState } from 'hono/jsx/dom';
import { PortalError } from '../../../clients/typescript/src/client.ts';

export function useNewVersion<Input>() {
  const [round, setRound] = useState(0);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Input | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [newer, setNewer] = useState<number | null>(null);
  /** `send` makes the PUT; `latestVersion` reads the version that won, after a 412. */
  const publish = async (
    input: Input,
    send: () => Promise<unknown>,
    latestVersion: () => Promise<number | undefined>,
  ) => {
    setDraft(input);
    setError(null);
    setNewer(null);
    try {
      await send();
      setEditing(false);
      setDraft(null);
    } catch (caught) {
      if (caught instanceof PortalError && caught.status === 412) setNewer((await latestVersion()) ?? 0);
      else setError(caught);
    }
    setRound((n) => n + 1);
  };
  const reload = () => setRound((n) => n + 1);
  return { round, reload, editing, setEditing, draft, error, newer, publish };
}
