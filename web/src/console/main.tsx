// The consoles at /console: what a signed-in person sees follows their roles. Developers get
// their organisations and apps; reviewers the review queue. Anyone else is told the consoles
// are not theirs (the server refuses them in any case: each field declares its roles).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { RequestFailed, gql, setToken, token } from '../api';
import { type ConsoleMeQuery, ConsoleMeDocument } from '../generated/graphql';
import { type Locale, loadMessages, locale, speakFrom, t } from '../i18n';
import { SignIn } from '../screens/SignIn';
import '../style.css';
import { Developer } from './Developer';
import { Insight } from './Insight';
import { OperatorWork, operatorScreens } from './OperatorWork';
import { ReviewQueue } from './ReviewQueue';

type Me = ConsoleMeQuery['me'];

function Console() {
  const [signedIn, setSignedIn] = useState(token() !== null);
  const [me, setMe] = useState<Me | null>(null);
  const [, setLanguage] = useState<Locale>(locale());
  useEffect(() => { document.title = t('console_title'); });
  useEffect(() => {
    if (!signedIn) return;
    gql(ConsoleMeDocument, {}).then((answer) => setMe(answer.me), (error) => {
      if (error instanceof RequestFailed && error.signedOut) setSignedIn(false);
    });
  }, [signedIn]);
  const roles = new Set(me?.roles ?? []);
  const staff = roles.has('DEVELOPER') || roles.has('REVIEWER') || roles.has('ADMIN') || operatorScreens(roles).length > 0;
  return (
    <>
      <header class="bar">
        <h1>{t('console_title')}</h1>
        <div>
          <button type="button" class="link" id="language"
                  onClick={async () => { await loadMessages(locale() === 'en' ? 'zh-CN' : 'en'); setLanguage(locale()); }}>
            {t('switch_language')}
          </button>
          {signedIn && (
            <button type="button" class="link" id="sign-out" onClick={() => { setToken(null); setMe(null); setSignedIn(false); }}>
              {t('sign_out')}
            </button>
          )}
        </div>
      </header>
      {!signedIn && <SignIn onSignedIn={() => setSignedIn(true)} />}
      {signedIn && me && !staff && <p class="card" id="no-console" role="status">{t('no_console_role')}</p>}
      {signedIn && me && (roles.has('DEVELOPER') || roles.has('ADMIN')) && <Developer />}
      {signedIn && me && (roles.has('REVIEWER') || roles.has('ADMIN')) && <ReviewQueue />}
      {signedIn && me && <OperatorWork roles={roles} meId={me.id} />}
      {signedIn && me && (roles.has('OPERATOR') || roles.has('ADMIN')) && <Insight />}
    </>
  );
}

speakFrom('h5', 'console');
loadMessages().then(() => render(<Console />, document.getElementById('app')!));
