// Opening a Class II account: consent, both sides of the ID card (camera or file) with what the
// server read shown masked for confirmation, the face check, then the outcome: opened, with a
// reviewer, or refused. The server's application state decides which step shows, so a customer
// who comes back continues where they were.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import {
  AccountOpeningDocument, type IdCardSide, type OpeningFieldsFragment, StartAccountOpeningDocument,
  UploadIdCardDocument,
} from '../generated/graphql';
import { t } from '../i18n';
import { Camera, type Photo, photoOfFile } from './OpeningCamera';
import { Liveness } from './OpeningLiveness';
import { Reasons } from './OpeningReasons';

export type Opening = OpeningFieldsFragment;
type Failure = (error: unknown) => void;

function sideName(side: IdCardSide): string {
  return side === 'FRONT' ? t('opening_side_front') : t('opening_side_back');
}

/** One side of the card: photographed or chosen, uploaded, and read or refused with a retake. */
function IdCardSide({ side, opening, onAnswer, onFailure }: {
  side: IdCardSide; opening: Opening; onAnswer: (opening: Opening) => void; onFailure: Failure;
}) {
  const name = side.toLowerCase();
  const [camera, setCamera] = useState(false);
  const [noCamera, setNoCamera] = useState(false);
  const [photo, setPhoto] = useState<Photo | null>(null);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const [read, setRead] = useState(side === 'FRONT' && opening.maskedIdNumber !== null);
  const reasons = opening.reasons.filter((r) => r.startsWith(`${side}_`));

  const upload = async (chosen: Photo) => {
    setCamera(false);
    setPhoto(chosen);
    setProblem('');
    setRead(false);
    setBusy(true);
    try {
      const answer = (await gql(UploadIdCardDocument, { applicationId: opening.id, side, image: chosen.file })).uploadIdCard;
      if (answer.__typename === 'KycApplication') {
        setRead(!answer.reasons.some((r) => r.startsWith(`${side}_`)));
        onAnswer(answer);
      } else if (answer.__typename === 'KycEngineBusy') {
        setProblem(t('opening_busy', { seconds: answer.retryAfterSeconds }));
      } else {
        setProblem(answer.message);
      }
    } catch (error) {
      onFailure(error);
      setProblem(t('network'));
    } finally {
      setBusy(false);
    }
  };
  const chooseFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = '';
    if (file) await upload(await photoOfFile(file));
  };

  return (
    <section class="side" id={`side-${name}`} aria-labelledby={`side-${name}-title`}>
      <h3 id={`side-${name}-title`}>{sideName(side)}</h3>
      {photo && !camera && <img class="shot" src={photo.preview} alt={t('opening_photo_of', { what: sideName(side) })} />}
      {busy && <p role="status">{t('opening_reading')}</p>}
      {read && !busy && <p class="ok" id={`side-${name}-read`}>{t('opening_side_read')}</p>}
      {problem && <p class="problem" id={`side-${name}-problem`} role="alert">{problem}</p>}
      {!busy && !problem && <Reasons id={`side-${name}-reasons`} codes={reasons} />}
      {noCamera && <p class="muted">{t('opening_camera_unavailable')}</p>}
      {camera ? (
        <>
          <Camera facing="environment" label={t('opening_capture')} onPhoto={upload}
                  onUnavailable={() => { setCamera(false); setNoCamera(true); }} />
          <button type="button" onClick={() => setCamera(false)}>{t('cancel')}</button>
        </>
      ) : !busy && (
        <div class="inline">
          {!noCamera && (
            <button type="button" id={`side-${name}-camera`} onClick={() => setCamera(true)}>
              {photo ? t('opening_retake') : t('opening_use_camera')}
            </button>
          )}
          <input id={`side-${name}-file`} class="visually-hidden" type="file" accept="image/jpeg,image/png,image/webp"
                 onChange={(e) => chooseFile(e.currentTarget)} />
          <label class="button" for={`side-${name}-file`}>{t('opening_choose_file')}</label>
        </div>
      )}
    </section>
  );
}

function Masked({ opening }: { opening: Opening }) {
  return (
    <dl class="masked" id="opening-read">
      <dt>{t('opening_name')}</dt><dd id="opening-name">{opening.maskedName ?? ''}</dd>
      <dt>{t('opening_id_number')}</dt><dd id="opening-id-number">{opening.maskedIdNumber ?? ''}</dd>
    </dl>
  );
}

export function OpeningScreen({ onFailure, onAccounts }: { onFailure: Failure; onAccounts: () => void }) {
  // undefined while loading; null when the customer has no application (or starts a new one).
  const [opening, setOpening] = useState<Opening | null | undefined>(undefined);
  const [agreed, setAgreed] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  const [status, setStatus] = useState('');

  const load = async () => {
    setStatus('');
    try {
      setOpening((await gql(AccountOpeningDocument, {})).accountOpening);
    } catch (error) {
      onFailure(error);
      setStatus(t('network'));
    }
  };
  useEffect(() => { void load(); }, []);

  const start = async (event: Event) => {
    event.preventDefault();
    try {
      setConfirmed(false);
      setOpening((await gql(StartAccountOpeningDocument, {})).startAccountOpening);
    } catch (error) {
      onFailure(error);
      setStatus(t('network'));
    }
  };

  const state = opening?.state;
  return (
    <section class="card" id="opening" aria-labelledby="opening-title">
      <div class="row">
        <h2 id="opening-title">{t('opening_title')}</h2>
        <button type="button" class="link" id="opening-back" onClick={onAccounts}>{t('opening_back')}</button>
      </div>
      {opening === undefined && <p role="status">{status || t('loading')}</p>}
      {opening === null && (
        <form class="consent" onSubmit={start}>
          <label class="check">
            <input id="opening-consent" type="checkbox" checked={agreed} onChange={(e) => setAgreed(e.currentTarget.checked)} />
            <span>{t('opening_consent')}</span>
          </label>
          <button id="opening-start" type="submit" class="primary" disabled={!agreed}>{t('opening_start')}</button>
          <p role="status">{status}</p>
        </form>
      )}
      {state === 'STARTED' && opening && (
        <>
          <h3>{t('opening_id_card')}</h3>
          <p class="muted">{t('opening_id_card_hint')}</p>
          <IdCardSide side="FRONT" opening={opening} onAnswer={setOpening} onFailure={onFailure} />
          {opening.maskedIdNumber && <Masked opening={opening} />}
          <IdCardSide side="BACK" opening={opening} onAnswer={setOpening} onFailure={onFailure} />
        </>
      )}
      {state === 'DOCUMENTS_READ' && opening && !confirmed && (
        <div class="confirm">
          <h3>{t('opening_confirm_title')}</h3>
          <Masked opening={opening} />
          <button id="opening-confirm" type="button" class="primary" onClick={() => setConfirmed(true)}>{t('opening_confirm')}</button>
        </div>
      )}
      {state === 'DOCUMENTS_READ' && opening && confirmed && (
        <Liveness applicationId={opening.id} onAnswer={setOpening} onFailure={onFailure} />
      )}
      {(state === 'FACE_VERIFIED' || state === 'RISK_CHECKED') && (
        <>
          <p role="status" id="opening-outcome">{t('opening_checking')}</p>
          <button type="button" id="opening-refresh" onClick={load}>{t('opening_refresh')}</button>
        </>
      )}
      {state === 'OPENED' && (
        <>
          <p class="ok" id="opening-outcome" role="status">{t('opening_opened')}</p>
          <button type="button" id="opening-accounts" class="primary" onClick={onAccounts}>{t('opening_view_accounts')}</button>
        </>
      )}
      {state === 'MANUAL_REVIEW' && opening && (
        <>
          <p id="opening-outcome" role="status">{t('opening_manual_review')}</p>
          <Reasons id="opening-reasons" codes={opening.reasons} />
          <button type="button" id="opening-refresh" onClick={load}>{t('opening_refresh')}</button>
        </>
      )}
      {state === 'REJECTED' && opening && (
        <>
          <p class="problem" id="opening-outcome" role="status">{t('opening_rejected')}</p>
          <Reasons id="opening-reasons" codes={opening.reasons} />
          <button type="button" id="opening-again" onClick={() => { setAgreed(false); setOpening(null); }}>
            {t('opening_invite_button')}
          </button>
        </>
      )}
    </section>
  );
}
