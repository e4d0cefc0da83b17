import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { RequestFailed, setToken, token } from './api';
import { type Locale, loadMessages, locale, t } from './i18n';
import { Accounts } from './screens/Accounts';
import { HomeScreen } from './screens/HomeScreen';
import { Inbox } from './screens/Inbox';
import { OpeningScreen } from './screens/OpeningScreen';
import { SignIn } from './screens/SignIn';
import './style.css';

type Tab = 'home' | 'accounts' | 'inbox' | 'opening'; // opening: from the accounts, not a tab of its own

function App() {
  const [signedIn, setSignedIn] = useState(token() !== null);
  const [tab, setTab] = useState<Tab>('home');
  const [, setLanguage] = useState<Locale>(locale());
  const switchTo = async (wanted: Locale) => {
    await loadMessages(wanted);
    setLanguage(wanted);
  };
  useEffect(() => {
    document.title = t('title');
  });
  const onFailure = (error: unknown) => {
    if (error instanceof RequestFailed && error.signedOut) setSignedIn(false);
  };
  const tabs: [Tab, string][] = [['home', t('tab_home')], ['accounts', t('tab_accounts')], ['inbox', t('tab_inbox')]];
  return (
    <>
      <header class="bar">
        <h1>{t('title')}</h1>
        <div>
          <button type="button" class="link" id="language" lang={locale() === 'en' ? 'zh-CN' : 'en'}
                  onClick={() => switchTo(locale() === 'en' ? 'zh-CN' : 'en')}>
            {t('switch_language')}
          </button>
          {signedIn && (
            <button type="button" class="link" id="sign-out" onClick={() => { setToken(null); setSignedIn(false); }}>
              {t('sign_out')}
            </button>
          )}
        </div>
      </header>
      {signedIn ? (
        <>
          <nav class="tabs" aria-label={t('title')}>
            {tabs.map(([name, label]) => (
              <button type="button" key={name} id={`tab-${name}`} class={tab === name ? 'tab active' : 'tab'}
                      aria-current={tab === name ? 'page' : undefined} onClick={() => setTab(name)}>
                {label}
              </button>
            ))}
          </nav>
          {tab === 'home' && <HomeScreen onFailure={onFailure} onInbox={() => setTab('inbox')} />}
          {tab === 'accounts' && <Accounts onFailure={onFailure} onOpen={() => setTab('opening')} />}
          {tab === 'opening' && <OpeningScreen onFailure={onFailure} onAccounts={() => setTab('accounts')} />}
          {tab === 'inbox' && <Inbox onFailure={onFailure} />}
        </>
      ) : <SignIn onSignedIn={() => { setTab('home'); setSignedIn(true); }} />}
    </>
  );
}

loadMessages().then(() => render(<App />, document.getElementById('app')!));
