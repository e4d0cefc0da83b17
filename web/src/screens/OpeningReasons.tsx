// Why a step of account opening did not pass: the server's reason codes (FRONT_CHECK_DIGIT,
// FRAME_2_NOT_TURN_LEFT, FACE_SCORE_LOW...) in the customer's words.
import { t } from '../i18n';

const WHAT: Record<string, () => string> = {
  NAME_READ: () => t('opening_reason_name_read'),
  ADDRESS_READ: () => t('opening_reason_address_read'),
  ID_NUMBER_READ: () => t('opening_reason_id_number_read'),
  CHECK_DIGIT: () => t('opening_reason_check_digit'),
  BIRTH_DATE_MATCHES_NUMBER: () => t('opening_reason_birth_date'),
  SEX_MATCHES_NUMBER: () => t('opening_reason_sex'),
  ETHNICITY_RECOGNISED: () => t('opening_reason_ethnicity'),
  AUTHORITY_READ: () => t('opening_reason_authority'),
  VALIDITY_READ: () => t('opening_reason_validity'),
  VALIDITY_STARTED: () => t('opening_reason_not_started'),
  NOT_EXPIRED: () => t('opening_reason_expired'),
  NO_FACE: () => t('opening_reason_no_face'),
  MULTIPLE_FACES: () => t('opening_reason_multiple_faces'),
  FACE_TOO_SMALL: () => t('opening_reason_face_too_small'),
  FACES_DIFFER: () => t('opening_reason_faces_differ'),
  DIFFERENT_PERSON: () => t('opening_reason_different_person'),
  NOT_TURN_LEFT: () => t('opening_reason_not_left'),
  NOT_TURN_RIGHT: () => t('opening_reason_not_right'),
  FRAME_COUNT: () => t('opening_reason_frame_count'),
  FACE_SCORE_LOW: () => t('opening_reason_face_score_low'),
  ID_USED_BY_ANOTHER_USER: () => t('opening_reason_id_used'),
  BLACKLISTED: () => t('opening_reason_blacklisted'),
  UNDER_16: () => t('opening_reason_under_16'),
  ALREADY_HAS_CLASS_TWO: () => t('opening_reason_has_class_two'),
  REJECTED_BY_REVIEWER: () => t('opening_reason_by_reviewer'),
};

/** Which photo a reason is about, from its prefix. */
function where(prefix: string, frame?: string): string {
  if (frame) return t('opening_frame', { number: frame });
  switch (prefix) {
    case 'FRONT': return t('opening_side_front');
    case 'BACK': return t('opening_side_back');
    case 'SELFIE': return t('opening_selfie');
    default: return t('opening_portrait');
  }
}

export function reasonText(code: string): string {
  const found = /^(FRONT|BACK|SELFIE|ID_PORTRAIT|FRAME_(\d+))_(.+)$/.exec(code);
  const what = WHAT[found ? found[3] : code];
  if (!what) return t('opening_reason_other', { code });
  return found ? t('opening_reason_on', { where: where(found[1], found[2]), what: what() }) : what();
}

export function Reasons({ id, codes }: { id: string; codes: readonly string[] }) {
  if (!codes.length) return null;
  return (
    <div class="reasons" id={id}>
      <strong>{t('opening_reasons')}</strong>
      <ul>{codes.map((code) => <li key={code}>{reasonText(code)}</li>)}</ul>
    </div>
  );
}
