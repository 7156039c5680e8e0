/**
 * Withdrawing a record with an optional reason (contacts, documents, bodies): a folded
 * form, a confirmation in the person's language, the signed withdrawal, and its error
 * shown beside the form. The page supplies the request and what follows.
 */
import { useState } from 'hono/jsx/dom';
import { ErrorNotice } from './states.tsx';

export interface WithdrawProps {
  /** The textarea's id (pages keep their own, so labels and tests find it). */
  reasonId: string;
  /** The button's and the fold's label, and the reason field's. */
  labels: { withdraw: string; reason: string };
  /** The question asked before anything is sent. */
  confirm: string;
  /** Sends the withdrawal; the reason is omitted when left empty. */
  withdraw: (reason: string | undefined) => Promise<unknown>;
  onDone: () => void;
}

export function WithdrawWithReason(props: WithdrawProps) {
  const [error, setError] = useState<unknown>(null);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const reason = String(new FormData(event.target as HTMLFormElement).get('reason') ?? '').trim();
    if (!window.confirm(props.confirm)) return;
    setError(null);
    try {
      await props.withdraw(reason || undefined);
      props.onDone();
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <details class="withdraw">
      <summary>{props.labels.withdraw}</summary>
      <form class="form" onSubmit={onSubmit}>
        <label for={props.reasonId}>{props.labels.reason}</label>
        <textarea id={props.reasonId} name="reason" maxlength={2000} />
        <div class="actions">
          <button type="submit" class="danger">
            {props.labels.withdraw}
          </button>
        </div>
      </form>
      {error ? <ErrorNotice error={error} /> : null}
    </details>
  );
}
