// What the operator queues share: a queue screen (loaded on opening, each item decided with a
// reason, reloaded after each decision, the answer read out in its status) and one decision's
// form: a reason (required), approve and reject.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { t } from '../i18n';

type Answer = { __typename: string; message?: string };

export function Decision({ id, onDecide }: { id: string; onDecide: (approve: boolean, reason: string) => Promise<unknown> }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const decide = async (approve: boolean) => {
    setBusy(true);
    try { await onDecide(approve, reason.trim()); } finally { setBusy(false); }
  };
  const empty = !reason.trim();
  return (
    <div class="inline">
      <label for={`reason-${id}`}>{t('decision_reason')}</label>
      <input id={`reason-${id}`} class="reason" maxLength={300} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <button type="button" class="approve primary" disabled={busy || empty} onClick={() => decide(true)}>{t('approve')}</button>
      <button type="button" class="reject" disabled={busy || empty} onClick={() => decide(false)}>{t('reject')}</button>
    </div>
  );
}

type QueueProps<T extends { id: string }> = {
  name: string; // the element ids: #<name>-title, #<name>-queue, #<name>-status
  title: string;
  empty: string;
  load: () => Promise<T[]>;
  /** One decision: the answer, and what to say when it is the decided thing itself. */
  decide: (id: string, approve: boolean, reason: string) => Promise<[Answer, string]>;
  item: (item: T, decision: ComponentChildren) => ComponentChildren;
};

export function Queue<T extends { id: string }>({ name, title, empty, load, decide, item }: QueueProps<T>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [status, setStatus] = useState('');
  const reload = async () => setItems(await load());
  useEffect(() => { void reload(); }, []);
  const decided = async (id: string, approve: boolean, reason: string) => {
    const [answer, done] = await decide(id, approve, reason);
    setStatus(said(answer, done));
    await reload();
  };
  return (
    <section class="card" aria-labelledby={`${name}-title`}>
      <h2 id={`${name}-title`}>{title}</h2>
      {items === null ? <p>{t('loading')}</p> : (
        <ul id={`${name}-queue`} class="list">
          {items.map((one) => (
            <li key={one.id} class="org" data-id={one.id}>
              {item(one, <Decision id={`${name}-${one.id}`} onDecide={(approve, reason) => decided(one.id, approve, reason)} />)}
            </li>
          ))}
          {!items.length && <li class="muted">{empty}</li>}
        </ul>
      )}
      <p id={`${name}-status`} role="status" aria-live="polite">{status}</p>
    </section>
  );
}

/** The message of a refusal, or `done` when the answer is the thing itself. */
export function said(answer: Answer, done: string): string {
  return answer.message ?? done;
}

/** A moment as the reader's locale writes it. */
export function when(iso: string, locale: string): string {
  return new Date(iso).toLocaleString(locale, { hour12: false });
}
