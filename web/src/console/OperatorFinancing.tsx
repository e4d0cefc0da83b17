// Lease-financing applications (credit officers), oldest first: amount, term and purpose;
// each approved or rejected with the reason the applicant is told.
import { gql } from '../api';
import { OperatorDecideFinancingDocument, OperatorFinancingQueueDocument } from '../generated/graphql';
import { locale, t, yuan } from '../i18n';
import { Queue, when } from './OperatorDecision';

export function OperatorFinancing() {
  return (
    <Queue name="financing" title={t('financing_queue')} empty={t('financing_queue_empty')}
           load={async () => (await gql(OperatorFinancingQueueDocument, {})).leaseFinancingQueue}
           decide={async (id, approve, reason) => [
             (await gql(OperatorDecideFinancingDocument, { id, approve, reason })).decideLeaseFinancing,
             approve ? t('financing_approved') : t('financing_rejected')]}
           item={(a, decision) => (
             <>
               <strong>{t('financing_terms', { amount: yuan(a.amount), months: a.months })}</strong>
               <p class="muted">{t('financing_of', { enterprise: a.enterpriseId, lease: a.leaseId })} · {when(a.createdAt, locale())}</p>
               <p>{a.purpose}</p>
               {decision}
             </>
           )} />
  );
}
