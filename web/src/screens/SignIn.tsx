// Sign-in with an SMS code: the phone number, then the six digits the bank texted.
import { useState } from 'preact/hooks';

import { RequestFailed, deviceId, gql, setToken } from '../api';
import { LoginDocument, RequestLoginCodeDocument } from '../generated/graphql';
import { t } from '../i18n';

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  // One request at a time, its refusal or failure shown in the status line.
  const attempt = async (work: () => Promise<string | null>) => {
    setBusy(true);
    try {
      const said = await work();
      if (said !== null) setStatus(said);
    } catch (error) {
      setStatus(error instanceof RequestFailed ? t('network') : t('failed'));
    } finally {
      setBusy(false);
    }
  };

  const ask = () => attempt(async () => {
    const answer = (await gql(RequestLoginCodeDocument, { phone: phone.trim() })).requestLoginCode;
    if (answer.__typename !== 'LoginCodeSent') return 'message' in answer ? answer.message : t('failed');
    setSent(true);
    return t('code_sent');
  });

  const signIn = (event: Event) => {
    event.preventDefault();
    return attempt(async () => {
      const answer = (await gql(LoginDocument, {
        phone: phone.trim(), code: code.trim(), device: { id: deviceId(), platform: 'H5', name: navigator.platform || 'H5' },
      })).login;
      if (answer.__typename !== 'AuthSession') return 'message' in answer ? answer.message : t('failed');
      setToken(answer.accessToken);
      onSignedIn();
      return null;
    });
  };

  return (
    <form class="card" onSubmit={signIn}>
      <h2>{t('sign_in')}</h2>
      <label for="phone">{t('phone')}</label>
      <input id="phone" type="tel" inputMode="numeric" autoComplete="tel" maxLength={11} value={phone}
             onInput={(e) => setPhone(e.currentTarget.value)} />
      <button id="ask-code" type="button" disabled={busy || phone.trim().length !== 11} onClick={ask}>
        {sent ? t('ask_again') : t('get_code')}
      </button>
      <label for="code">{t('code')}</label>
      <input id="code" type="text" inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code}
             onInput={(e) => setCode(e.currentTarget.value)} />
      <button id="sign-in" type="submit" class="primary" disabled={busy || !sent || code.trim().length !== 6}>
        {t('sign_in_button')}
      </button>
      <p id="status" role="status" aria-live="polite">{status}</p>
    </form>
  );
}
