// The home's feed: content ranked for this customer with the campaigns' feed slots among it,
// the next page fetched as its end scrolls into view. Covers come in the rendition for this
// screen's pixel ratio, WebP with a JPEG fallback. "Not interested" takes an item away (and
// the ranking never shows it again); a like counts at once.
import { useState } from 'preact/hooks';

import { gql } from '../api';
import {
  type FeedItemFragment, type HomeQuery, FeedPageDocument, LikeContentDocument, NotInterestedDocument,
} from '../generated/graphql';
import { t } from '../i18n';
import { usePages } from './paging';

type Home = Extract<HomeQuery['home'], { __typename: 'Home' }>;
type Entry = Home['feed']['entries'][number];
type Placement = Extract<Entry, { __typename: 'HomePlacement' }>;

export const DPR = Math.min(3, Math.max(1, Math.round(window.devicePixelRatio || 1)));

function kindName(kind: FeedItemFragment['kind']): string {
  switch (kind) {
    case 'ARTICLE': return t('feed_article');
    case 'SHORT_VIDEO': return t('feed_video');
    case 'LIVE_STREAM': return t('feed_live');
    case 'PRODUCT_CARD': return t('feed_product');
  }
}

function Item({ item, onGone, onFailure }: {
  item: FeedItemFragment; onGone: (id: string) => void; onFailure: (error: unknown) => void;
}) {
  const [likes, setLikes] = useState(item.likes);
  const [status, setStatus] = useState('');
  const react = async (work: Promise<{ __typename: string; message?: string; likes?: number }>, done: () => void) => {
    try {
      const answer = await work;
      if (answer.message !== undefined) setStatus(answer.message);
      else done();
    } catch (error) {
      onFailure(error);
    }
  };
  return (
    <article class="card feed-item" aria-labelledby={`feed-${item.id}`}>
      {item.cover?.webp && (
        <picture>
          <source type="image/webp" srcset={item.cover.webp.url} />
          <img src={item.cover.jpeg?.url ?? item.cover.webp.url} alt="" width={item.cover.webp.width / DPR}
               height={item.cover.webp.height / DPR} />
        </picture>
      )}
      <span class="muted">{kindName(item.kind)}</span>
      <h3 id={`feed-${item.id}`}>{item.title}</h3>
      {item.summary && <p>{item.summary}</p>}
      <div class="row">
        <button type="button" class="link like"
                onClick={() => react(gql(LikeContentDocument, { id: item.id }).then((a) => a.likeContent),
                                     () => setLikes(likes + 1))}>
          {t('feed_like', { count: likes })}
        </button>
        <button type="button" class="link not-interested"
                onClick={() => react(gql(NotInterestedDocument, { id: item.id }).then((a) => a.markContentNotInterested),
                                     () => onGone(item.id))}>
          {t('feed_not_interested')}
        </button>
      </div>
      {status && <p role="status">{status}</p>}
    </article>
  );
}

export function Feed({ feed, onFailure }: { feed: Home['feed']; onFailure: (error: unknown) => void }) {
  const { items: entries, setItems: setEntries, more, end } = usePages<Entry, HTMLParagraphElement>(async (after) => {
    const page = (await gql(FeedPageDocument, { after, dpr: DPR })).feed;
    return page.__typename === 'FeedPage' ? { items: page.items, endCursor: page.endCursor ?? null, hasNextPage: page.hasNextPage }
      : null;
  }, onFailure, { items: feed.entries, endCursor: feed.endCursor ?? null, hasNextPage: feed.hasNextPage });

  const gone = (id: string) => setEntries((shown) => shown.filter((e) => e.__typename !== 'ContentItem' || e.id !== id));
  return (
    <section aria-labelledby="feed-title" id="feed">
      <h2 id="feed-title" class="section-title">{t('feed_title')}</h2>
      {entries.map((entry) => entry.__typename === 'ContentItem'
        ? <Item key={entry.id} item={entry} onGone={gone} onFailure={onFailure} />
        : <PromotionCard key={`p-${entry.campaignId}`} placement={entry} />)}
      {more ? <p ref={end} class="muted feed-more">{t('loading')}</p>
        : <p class="muted feed-end">{entries.length ? t('no_more') : t('feed_empty')}</p>}
    </section>
  );
}

function PromotionCard({ placement }: { placement: Placement }) {
  return (
    <aside class="card banner promotion" aria-label={placement.title}>
      <h3>{placement.title}</h3>
      <p>{placement.body}</p>
    </aside>
  );
}
