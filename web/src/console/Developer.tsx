// The developer console: organisations and their apps, registering one (its secret shown
// once), and an app's page.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import { type MiniAppCategory, type MyOrgsQuery, CreateOrgDocument, MyOrgsDocument, RegisterAppDocument } from '../generated/graphql';
import { t } from '../i18n';
import { AppPage } from './AppPage';

type Org = MyOrgsQuery['myDeveloperOrgs'][number];
const CATEGORIES: MiniAppCategory[] = ['FINANCE', 'SHOPPING', 'TRAVEL', 'LIFE', 'GOVERNMENT', 'EDUCATION', 'HEALTH', 'TOOLS'];

function categoryName(category: MiniAppCategory): string {
  switch (category) {
    case 'FINANCE': return t('category_finance');
    case 'SHOPPING': return t('category_shopping');
    case 'TRAVEL': return t('category_travel');
    case 'LIFE': return t('category_life');
    case 'GOVERNMENT': return t('category_government');
    case 'EDUCATION': return t('category_education');
    case 'HEALTH': return t('category_health');
    case 'TOOLS': return t('category_tools');
  }
}

export function Developer() {
  const [orgs, setOrgs] = useState<Org[] | null>(null);
  const [orgName, setOrgName] = useState('');
  const [appName, setAppName] = useState('');
  const [category, setCategory] = useState<MiniAppCategory>('FINANCE');
  const [secret, setSecret] = useState<{ appId: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  const load = async () => setOrgs((await gql(MyOrgsDocument, {})).myDeveloperOrgs);
  useEffect(() => { void load(); }, []);

  const createOrg = async (event: Event) => {
    event.preventDefault();
    const answer = (await gql(CreateOrgDocument, { name: orgName.trim() })).createDeveloperOrg;
    setStatus(answer.__typename === 'DeveloperOrg' ? t('org_created', { name: answer.name }) : answer.message);
    if (answer.__typename === 'DeveloperOrg') { setOrgName(''); await load(); }
  };

  const register = async (event: Event, org: Org) => {
    event.preventDefault();
    const answer = (await gql(RegisterAppDocument, { orgId: org.id, name: appName.trim(), category, description: '' })).registerMiniApp;
    if (answer.__typename !== 'MiniAppCredentials') { setStatus(answer.message); return; }
    setSecret({ appId: answer.app.appId, secret: answer.appSecret });
    setAppName('');
    setStatus('');
    await load();
  };

  if (open) return <AppPage appId={open} onBack={() => { setOpen(null); void load(); }} />;
  return (
    <section class="card" aria-labelledby="developer-title">
      <h2 id="developer-title">{t('developer_title')}</h2>
      {secret && (
        <div class="secret" id="secret" role="alert">
          <strong>{t('secret_once', { app: secret.appId })}</strong>
          <code id="secret-value">{secret.secret}</code>
          <button type="button" onClick={() => setSecret(null)}>{t('secret_kept')}</button>
        </div>
      )}
      {orgs === null ? <p>{t('loading')}</p> : orgs.map((org) => (
        <div key={org.id} class="org">
          <h3>{org.name}</h3>
          <ul class="list" id={`apps-${org.id}`}>
            {org.apps.map((app) => (
              <li key={app.appId} class="row">
                <span>{app.name} <code>{app.appId}</code></span>
                <button type="button" class="open-app" onClick={() => setOpen(app.appId)}>{t('open_app')}</button>
              </li>
            ))}
            {!org.apps.length && <li class="muted">{t('no_apps')}</li>}
          </ul>
          <form class="inline" onSubmit={(e) => register(e, org)}>
            <label for={`app-name-${org.id}`}>{t('app_name')}</label>
            <input id={`app-name-${org.id}`} class="app-name" maxLength={60} value={appName}
                   onInput={(e) => setAppName(e.currentTarget.value)} />
            <label for={`category-${org.id}`}>{t('category')}</label>
            <select id={`category-${org.id}`} value={category}
                    onChange={(e) => setCategory(e.currentTarget.value as MiniAppCategory)}>
              {CATEGORIES.map((c) => <option key={c} value={c}>{categoryName(c)}</option>)}
            </select>
            <button type="submit" class="register">{t('register_app')}</button>
          </form>
        </div>
      ))}
      <form class="inline" onSubmit={createOrg}>
        <label for="org-name">{t('org_name')}</label>
        <input id="org-name" maxLength={100} value={orgName} onInput={(e) => setOrgName(e.currentTarget.value)} />
        <button type="submit" id="create-org">{t('create_org')}</button>
      </form>
      <p id="developer-status" role="status" aria-live="polite">{status}</p>
    </section>
  );
}
