import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { RequestFailed, token } from './api';
import { type Locale, loadMessages, locale, t } from './i18n';
import { Home } from './screens/Home';
import { SignIn } from './screens/SignIn';
import './style.css';

function App() {
  const [signedIn, setSignedIn] = useState(token() !== null);
  const [, setLanguage] = useState<Locale>(locale());
  const switchTo = async (wanted: Locale) => {
    await loadMessages(wanted);
    setLanguage(wanted);
  };
  useEffect(() => {
    document.title = t('title');
  });
  const onSignedOut = (error: unknown) => {
    if (error instanceof RequestFailed && error.signedOut) setSignedIn(false);
  };
  return (
    <>
      <header class="bar">
        <h1>{t('title')}</h1>
        <button type="button" class="link" lang={locale() === 'en' ? 'zh-CN' : 'en'}
                onClick={() => switchTo(locale() === 'en' ? 'zh-CN' : 'en')}>
          {t('switch_language')}
        </button>
      </header>
      {signedIn
        ? <Home onSignOut={() => setSignedIn(false)} onFailure={onSignedOut} />
        : <SignIn onSignedIn={() => setSignedIn(true)} />}
    </>
  );
}

loadMessages().then(() => render(<App />, document.getElementById('app')!));
