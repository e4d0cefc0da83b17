// The face check of account opening: the server's single-use head-turn challenge, a frontal photo
// and one photo per action from the front camera (each can be retaken), submitted together; a
// check that did not pass says why and asks for a new challenge.
import { useState } from 'preact/hooks';

import { gql } from '../api';
import {
  type OpeningFieldsFragment as Opening, type StartLivenessChallengeMutation, StartLivenessChallengeDocument,
  SubmitLivenessDocument,
} from '../generated/graphql';
import { t } from '../i18n';
import { Camera, type Photo } from './OpeningCamera';
import { Reasons } from './OpeningReasons';

type Challenge = Extract<StartLivenessChallengeMutation['startLivenessChallenge'], { __typename: 'LivenessChallenge' }>;

function prompt(action: string): string {
  switch (action) {
    case 'TURN_LEFT': return t('opening_turn_left');
    case 'TURN_RIGHT': return t('opening_turn_right');
    default: return t('opening_other_action', { action });
  }
}

export function Liveness({ applicationId, onAnswer, onFailure }: {
  applicationId: string; onAnswer: (opening: Opening) => void; onFailure: (error: unknown) => void;
}) {
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [shots, setShots] = useState<(Photo | null)[]>([]);
  const [status, setStatus] = useState('');
  const [reasons, setReasons] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [noCamera, setNoCamera] = useState(false);

  const attempt = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } catch (error) {
      onFailure(error);
      setStatus(t('network'));
    } finally {
      setBusy(false);
    }
  };

  const start = () => attempt(async () => {
    setStatus('');
    setReasons([]);
    const answer = (await gql(StartLivenessChallengeDocument, { applicationId })).startLivenessChallenge;
    if (answer.__typename !== 'LivenessChallenge') {
      setStatus(answer.message);
      return;
    }
    setChallenge(answer);
    setShots(Array.from({ length: answer.actions.length + 1 }, () => null));
  });

  const submit = () => attempt(async () => {
    const current = challenge;
    const [selfie, ...frames] = shots;
    if (!current || !selfie || frames.some((f) => !f)) return;
    setStatus(t('opening_checking'));
    setChallenge(null); // used by this submission, whatever it shows
    const answer = (await gql(SubmitLivenessDocument, {
      applicationId, challengeId: current.id, selfie: selfie.file, frames: frames.map((f) => f!.file),
    })).submitLiveness;
    if (answer.__typename === 'KycApplication') {
      setStatus(answer.state === 'DOCUMENTS_READ' ? t('opening_face_failed') : '');
      setReasons(answer.reasons);
      onAnswer(answer);
    } else if (answer.__typename === 'KycEngineBusy') {
      setStatus(t('opening_busy', { seconds: answer.retryAfterSeconds }));
    } else {
      setStatus(answer.message);
    }
  });

  const prompts = challenge ? [t('opening_look_straight'), ...challenge.actions.map(prompt)] : [];
  const next = shots.findIndex((s) => s === null);
  const took = (photo: Photo) => setShots(shots.map((s, i) => (i === next ? photo : s)));

  return (
    <div class="liveness" id="liveness">
      <h3>{t('opening_face_title')}</h3>
      <p class="muted">{t('opening_face_intro')}</p>
      {!challenge ? (
        <>
          <p id="liveness-status" role="status">{status}</p>
          <Reasons id="liveness-reasons" codes={reasons} />
          <button type="button" id="liveness-start" class="primary" disabled={busy} onClick={start}>
            {reasons.length || status ? t('opening_try_again') : t('opening_face_start')}
          </button>
        </>
      ) : (
        <>
          <p class="muted" id="liveness-expires">{t('opening_expires', { seconds: challenge.expiresInSeconds })}</p>
          <ol class="shots" id="liveness-actions">
            {prompts.map((said, i) => (
              <li key={i} class={i === next ? 'current' : undefined} aria-current={i === next ? 'step' : undefined}>
                <span>{t('opening_shot', { number: i + 1, prompt: said })}</span>
                {shots[i] && (
                  <>
                    <img class="thumb" id={`liveness-shot-${i}`} src={shots[i]!.preview}
                         alt={t('opening_photo_of', { what: said })} />
                    <button type="button" class="link" id={`liveness-retake-${i}`} disabled={busy}
                            onClick={() => setShots(shots.map((s, j) => (j === i ? null : s)))}>
                      {t('opening_retake')}
                    </button>
                  </>
                )}
              </li>
            ))}
          </ol>
          {next >= 0 && (
            <>
              <p class="prompt" id="liveness-prompt" aria-live="polite">{prompts[next]}</p>
              {noCamera ? <p class="problem" role="alert">{t('opening_camera_unavailable')}</p>
                : <Camera facing="user" label={t('opening_capture')} onPhoto={took} onUnavailable={() => setNoCamera(true)} />}
            </>
          )}
          {next < 0 && (
            <button type="button" id="liveness-submit" class="primary" disabled={busy} onClick={submit}>
              {t('opening_submit')}
            </button>
          )}
          <p id="liveness-status" role="status">{status}</p>
        </>
      )}
    </div>
  );
}
