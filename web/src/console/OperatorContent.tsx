// Content waiting for review (operators see it; reviewers decide). Maker-checker: an item's
// author is not offered its decision (the server refuses it in any case). Rejecting needs a
// reason, which goes back to the author with the draft.
import { gql } from '../api';
import {
  type ContentKind, OperatorApproveContentDocument, OperatorContentInReviewDocument, OperatorRejectContentDocument,
} from '../generated/graphql';
import { t } from '../i18n';
import { Queue } from './OperatorDecision';

function kindName(kind: ContentKind): string {
  switch (kind) {
    case 'ARTICLE': return t('content_kind_article');
    case 'SHORT_VIDEO': return t('content_kind_short_video');
    case 'LIVE_STREAM': return t('content_kind_live_stream');
    case 'PRODUCT_CARD': return t('content_kind_product');
  }
}

export function OperatorContent({ meId, reviewer }: { meId: string; reviewer: boolean }) {
  return (
    <Queue name="content" title={t('content_queue')} empty={t('content_queue_empty')}
           load={async () => (await gql(OperatorContentInReviewDocument, {})).contentItemsInState.map((c) => c.item)}
           decide={async (id, approve, reason) => approve
             ? [(await gql(OperatorApproveContentDocument, { id, reason })).approveContent, t('content_approved')]
             : [(await gql(OperatorRejectContentDocument, { id, reason })).rejectContent, t('content_rejected')]}
           item={(item, decision) => (
             <>
               <strong>{item.title}</strong>
               <p class="muted">{kindName(item.kind)} · {t('content_author', { id: item.authorId })}</p>
               {item.summary && <p>{item.summary}</p>}
               {item.authorId === meId ? <p class="muted own-item">{t('content_own_item')}</p> : reviewer && decision}
             </>
           )} />
  );
}
