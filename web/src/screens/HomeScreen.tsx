// Home: the mini-programs this customer gets (each opens in the container), live campaigns'
// banners, the unread count and the feed.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import { type HomeQuery, HomeDocument } from '../generated/graphql';
import { t } from '../i18n';
import { DPR, Feed } from './Feed';

type Home = Extract<HomeQuery['home'], { __typename: 'Home' }>;

export function HomeScreen({ onFailure, onInbox }: { onFailure: (error: unknown) => void; onInbox: () => void }) {
  const [home, setHome] = useState<Home | null>(null);
  const [status, setStatus] = useState('');
  useEffect(() => {
    gql(HomeDocument, { dpr: DPR }).then((answer) => {
      if (answer.home.__typename === 'Home') setHome(answer.home);
      else setStatus(answer.home.message);
    }, (error) => { onFailure(error); setStatus(t('network')); });
  }, []);
  if (!home) return <p class="card" role="status">{status || t('loading')}</p>;
  return (
    <>
      {home.banners.map((b) => (
        <section key={b.campaignId} class="card banner">
          <h2>{b.title}</h2>
          <p>{b.body}</p>
        </section>
      ))}
      <section class="card" aria-labelledby="grid-title">
        <div class="row">
          <h2 id="grid-title">{t('mini_programs')}</h2>
          <button type="button" class="link" id="unread" onClick={onInbox}>
            {t('unread', { count: home.unreadCount })}
          </button>
        </div>
        <ul id="grid" class="grid">
          {home.grid.map((app) => (
            <li key={app.appId}>
              <a href={`/static/container.html?app=${encodeURIComponent(app.appId)}`}>
                {app.iconUrl ? <img src={app.iconUrl} alt="" width={48} height={48} /> : <span class="icon" aria-hidden="true" />}
                <span>{app.name}</span>
              </a>
            </li>
          ))}
        </ul>
        {!home.grid.length && <p class="muted">{t('no_mini_programs')}</p>}
      </section>
      <Feed feed={home.feed} onFailure={onFailure} />
    </>
  );
}
