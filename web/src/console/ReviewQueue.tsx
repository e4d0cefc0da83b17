// The reviewers' queue: submitted versions oldest first, each approved or rejected with a
// reason per failed checklist item (reviewers never review their own organisation's apps).
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import { type ChecklistItem, type ReviewQueueQuery, ApproveDocument, RejectDocument, ReviewQueueDocument } from '../generated/graphql';
import { t } from '../i18n';

type Submitted = ReviewQueueQuery['miniAppReviewQueue'][number];
const ITEMS: ChecklistItem[] = ['CONTENT', 'PRIVACY', 'FUNCTIONALITY', 'SECURITY', 'COMPLIANCE', 'USER_INTERFACE'];

export function itemName(item: ChecklistItem): string {
  switch (item) {
    case 'CONTENT': return t('check_content');
    case 'PRIVACY': return t('check_privacy');
    case 'FUNCTIONALITY': return t('check_functionality');
    case 'SECURITY': return t('check_security');
    case 'COMPLIANCE': return t('check_compliance');
    case 'USER_INTERFACE': return t('check_user_interface');
  }
}

export function ReviewQueue() {
  const [queue, setQueue] = useState<Submitted[] | null>(null);
  const [item, setItem] = useState<ChecklistItem>('FUNCTIONALITY');
  const [reason, setReason] = useState('');
  const [status, setStatus] = useState('');
  const load = async () => setQueue((await gql(ReviewQueueDocument, {})).miniAppReviewQueue);
  useEffect(() => { void load(); }, []);

  const decide = async (work: Promise<{ __typename: string; message?: string }>, done: string) => {
    const answer = await work;
    setStatus(answer.message ?? done);
    await load();
  };

  return (
    <section class="card" aria-labelledby="review-title">
      <h2 id="review-title">{t('review_queue')}</h2>
      {queue === null ? <p>{t('loading')}</p> : (
        <ul id="queue" class="list">
          {queue.map((v) => (
            <li key={`${v.appId}@${v.version}`} class="submitted" data-app={v.appId}>
              <strong>{v.appId} {v.version}</strong>
              <p class="muted">{t('declares', { apis: v.jsapis.join(', ') || '—' })}</p>
              {v.scopes.map((s) => <p key={s.scope} class="muted">{s.scope}：{s.reason}</p>)}
              <div class="inline">
                <button type="button" class="approve primary" onClick={() => decide(gql(ApproveDocument, {
                  appId: v.appId, version: v.version, note: '',
                }).then((a) => a.approveMiniAppVersion), t('approved'))}>{t('approve')}</button>
                <label for={`item-${v.appId}`}>{t('checklist_item')}</label>
                <select id={`item-${v.appId}`} value={item} onChange={(e) => setItem(e.currentTarget.value as ChecklistItem)}>
                  {ITEMS.map((i) => <option key={i} value={i}>{itemName(i)}</option>)}
                </select>
                <label for={`reason-${v.appId}`}>{t('reject_reason')}</label>
                <input id={`reason-${v.appId}`} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
                <button type="button" class="reject" onClick={() => decide(gql(RejectDocument, {
                  appId: v.appId, version: v.version, reasons: [{ item, reason }],
                }).then((a) => a.rejectMiniAppVersion), t('rejected'))}>{t('reject')}</button>
              </div>
            </li>
          ))}
          {!queue.length && <li class="muted">{t('queue_empty')}</li>}
        </ul>
      )}
      <p id="review-status" role="status" aria-live="polite">{status}</p>
    </section>
  );
}
