// An account's postings, newest first, the next page fetched as the list's end scrolls into view.
import { useEffect, useRef, useState } from 'preact/hooks';

import { gql } from '../api';
import { type TransactionsQuery, TransactionsDocument } from '../generated/graphql';
import { t, yuan } from '../i18n';

type Posting = NonNullable<TransactionsQuery['transactions']>['edges'][number]['node'];

export function Transactions({ accountId, onFailure }: { accountId: string; onFailure: (error: unknown) => void }) {
  const [postings, setPostings] = useState<Posting[]>([]);
  const [after, setAfter] = useState<string | null>(null);
  const [more, setMore] = useState(true);
  const [loading, setLoading] = useState(false);
  const end = useRef<HTMLLIElement>(null);

  const next = async () => {
    if (loading || !more) return;
    setLoading(true);
    try {
      const page = (await gql(TransactionsDocument, { accountId, after })).transactions;
      if (page) {
        setPostings((shown) => [...shown, ...page.edges.map((e) => e.node)]);
        setAfter(page.pageInfo.endCursor ?? null);
        setMore(page.pageInfo.hasNextPage);
      } else {
        setMore(false);
      }
    } catch (error) {
      onFailure(error);
      setMore(false);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    const target = end.current;
    if (!target) return undefined;
    const watcher = new IntersectionObserver((seen) => { if (seen.some((s) => s.isIntersecting)) void next(); });
    watcher.observe(target);
    return () => watcher.disconnect();
  });

  return (
    <ul class="postings" aria-label={t('details')}>
      {postings.map((p) => (
        <li key={p.id} class="posting">
          <span>{p.memo || t('posting')}</span>
          <time dateTime={p.createdAt}>{new Date(p.createdAt).toLocaleString(document.documentElement.lang)}</time>
          <strong class={p.amount < 0 ? 'out' : 'in'}>{p.amount < 0 ? '-' : '+'}{yuan(Math.abs(p.amount))}</strong>
        </li>
      ))}
      {more ? <li ref={end} class="muted">{t('loading')}</li>
        : <li class="muted end">{postings.length ? t('no_more') : t('no_postings')}</li>}
    </ul>
  );
}
