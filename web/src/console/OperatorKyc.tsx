// Account openings in manual review (reviewers): the masked name and ID number, the face score
// and why it was sent here; approving opens the Class II account, rejecting ends the application.
import { gql } from '../api';
import { OperatorKycQueueDocument, OperatorReviewKycDocument } from '../generated/graphql';
import { locale, t } from '../i18n';
import { Queue, when } from './OperatorDecision';

function reasonName(code: string): string {
  switch (code) {
    case 'FACE_SCORE_LOW': return t('kyc_reason_face_score_low');
    default: return code;
  }
}

export function OperatorKyc() {
  return (
    <Queue name="kyc" title={t('kyc_queue')} empty={t('kyc_queue_empty')}
           load={async () => (await gql(OperatorKycQueueDocument, {})).accountOpeningReviewQueue}
           decide={async (id, approve, reason) => [
             (await gql(OperatorReviewKycDocument, { id, approve, reason })).reviewAccountOpening,
             approve ? t('kyc_opened') : t('kyc_rejected')]}
           item={(a, decision) => (
             <>
               <strong>{a.maskedName ?? '—'} {a.maskedIdNumber ?? ''}</strong>
               <p class="muted">
                 {t('kyc_face_score', { score: a.faceScore === null ? '—' : a.faceScore.toFixed(2) })}
                 {' · '}{a.reasons.map(reasonName).join('、')}{' · '}{when(a.createdAt, locale())}
               </p>
               {decision}
             </>
           )} />
  );
}
