// The inbox: system, transactional, campaign and mini-program messages, newest first; opening
// it marks what it shows as read.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import { type InboxQuery, InboxDocument, MarkInboxReadDocument } from '../generated/graphql';
import { t } from '../i18n';

type Message = InboxQuery['inbox'][number];

export function Inbox({ onFailure }: { onFailure: (error: unknown) => void }) {
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [more, setMore] = useState(false);

  const load = async (beforeId: string | null) => {
    try {
      const page = (await gql(InboxDocument, { beforeId })).inbox;
      setMessages((shown) => [...(beforeId ? shown ?? [] : []), ...page]);
      setMore(page.length === 20);
      const unread = page.filter((m) => !m.read).map((m) => m.id);
      if (unread.length) await gql(MarkInboxReadDocument, { ids: unread });
    } catch (error) {
      onFailure(error);
    }
  };
  useEffect(() => { void load(null); }, []);

  return (
    <section class="card" aria-labelledby="inbox-title">
      <h2 id="inbox-title">{t('inbox')}</h2>
      {messages === null ? <p>{t('loading')}</p> : (
        <ul id="messages" class="list">
          {messages.map((m) => (
            <li key={m.id} class={m.read ? 'message' : 'message unread'}>
              <strong>{m.title}</strong>
              <p>{m.body}</p>
              <time class="muted" dateTime={m.createdAt}>{new Date(m.createdAt).toLocaleString(document.documentElement.lang)}</time>
            </li>
          ))}
          {!messages.length && <li class="muted">{t('no_messages')}</li>}
        </ul>
      )}
      {more && messages && (
        <button type="button" onClick={() => load(messages[messages.length - 1].id)}>{t('older')}</button>
      )}
    </section>
  );
}
