// An account's postings, newest first, the next page fetched as the list's end scrolls into view.
import { gql } from '../api';
import { type TransactionsQuery, TransactionsDocument } from '../generated/graphql';
import { t, yuan } from '../i18n';
import { usePages } from './paging';

type Posting = NonNullable<TransactionsQuery['transactions']>['edges'][number]['node'];

export function Transactions({ accountId, onFailure }: { accountId: string; onFailure: (error: unknown) => void }) {
  const { items: postings, more, end } = usePages<Posting, HTMLLIElement>(async (after) => {
    const page = (await gql(TransactionsDocument, { accountId, after })).transactions;
    return page && { items: page.edges.map((e) => e.node), endCursor: page.pageInfo.endCursor ?? null,
                     hasNextPage: page.pageInfo.hasNextPage };
  }, onFailure);

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
