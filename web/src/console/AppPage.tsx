// One app: its request whitelist, uploading a package (every problem listed), its versions
// with review results, and the release controls (submit, gray, widen, release, roll back);
// then its analytics, webhook deliveries and open-API keys.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import {
  type ClientPlatform, type ConsoleAppQuery, type VersionState, ConsoleAppDocument, RaiseGrayDocument,
  ReleaseVersionDocument,
  RollbackDocument, SetDomainsDocument, StartGrayDocument, SubmitVersionDocument,
} from '../generated/graphql';
import { t } from '../i18n';
import { Analytics } from './Analytics';
import { Keys } from './Keys';
import { itemName } from './ReviewQueue';
import { Webhooks } from './Webhooks';

const PLATFORMS: ClientPlatform[] = ['IOS', 'ANDROID', 'H5'];

type App = Extract<ConsoleAppQuery['miniApp'], { __typename: 'MiniApp' }>;
type Problem = { code: string; message: string; path: string | null };
type Answer = { __typename: string; message?: string };

function stateName(state: VersionState): string {
  switch (state) {
    case 'UPLOADED': return t('state_uploaded');
    case 'SUBMITTED': return t('state_submitted');
    case 'APPROVED': return t('state_approved');
    case 'REJECTED': return t('state_rejected');
    case 'GRAY': return t('state_gray');
    case 'RELEASED': return t('state_released');
    case 'SUPERSEDED': return t('state_superseded');
    case 'WITHDRAWN': return t('state_withdrawn');
  }
}

export function AppPage({ appId, onBack }: { appId: string; onBack: () => void }) {
  const [app, setApp] = useState<App | null>(null);
  const [domains, setDomains] = useState('');
  const [secret, setSecret] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [percent, setPercent] = useState('10');
  const [whitelist, setWhitelist] = useState('');
  const [platforms, setPlatforms] = useState<ClientPlatform[]>([]);
  const [target, setTarget] = useState('');
  const [status, setStatus] = useState('');

  const load = async () => {
    const answer = (await gql(ConsoleAppDocument, { appId })).miniApp;
    if (answer.__typename !== 'MiniApp') { setStatus(answer.message); return; }
    setApp(answer);
    setDomains(answer.domains.request.join('\n'));
    setTarget(answer.release.rollbackTargets.find((v) => v !== answer.release.liveVersion) ?? '');
  };
  useEffect(() => { void load(); }, [appId]);

  const step = async (done: string, work: Promise<Answer>) => {
    const answer = await work;
    setStatus(answer.message ?? done);
    await load();
  };

  const upload = async (event: Event) => {
    event.preventDefault();
    if (!file) return;
    setProblems([]);
    const response = await fetch(`/mp/apps/${encodeURIComponent(appId)}/packages`, {
      method: 'POST', body: file,
      headers: { authorization: `Basic ${btoa(`${appId}:${secret.trim()}`)}`, 'content-type': 'application/zip' },
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 201) {
      setStatus(t('uploaded', { version: answer.version }));
      await load();
    } else {
      setStatus(answer.error?.message ?? t('failed'));
      setProblems(answer.error?.problems ?? []);
    }
  };

  if (!app) return <section class="card"><p role="status">{status || t('loading')}</p></section>;
  const release = app.release;
  return (
    <section class="card" aria-labelledby="app-title">
      <div class="row">
        <h2 id="app-title">{app.name} <code>{app.appId}</code></h2>
        <button type="button" class="link" onClick={onBack}>{t('back')}</button>
      </div>
      <p id="release" class="muted">
        {t('live_version', { version: release.liveVersion ?? t('none') })}
        {release.gray ? ` · ${t('gray_version', { version: release.gray.version, percent: release.gray.percent })}` : ''}
      </p>
      {release.gray && (release.gray.whitelist.length > 0 || release.gray.platforms.length > 0) && (
        <p id="gray-rules" class="muted">
          {release.gray.whitelist.length > 0 && t('gray_whitelisted', { count: release.gray.whitelist.length })}
          {release.gray.platforms.length > 0 && ` · ${t('gray_only_on', { platforms: release.gray.platforms.join(' / ') })}`}
        </p>
      )}

      <h3>{t('request_domains')}</h3>
      <label for="domains">{t('domains_hint')}</label>
      <textarea id="domains" rows={3} value={domains} onInput={(e) => setDomains(e.currentTarget.value)} />
      <button type="button" id="save-domains" onClick={() => step(t('saved'), gql(SetDomainsDocument, {
        appId, kind: 'REQUEST', domains: domains.split(/\s+/).filter(Boolean),
      }).then((a) => a.setMiniAppDomains))}>{t('save')}</button>

      <h3>{t('upload_package')}</h3>
      <form class="inline" onSubmit={upload}>
        <label for="app-secret">{t('app_secret')}</label>
        <input id="app-secret" type="password" autoComplete="off" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        <label for="package">{t('package_zip')}</label>
        <input id="package" type="file" accept=".zip,application/zip" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        <button type="submit" id="upload" disabled={!file || !secret.trim()}>{t('upload')}</button>
      </form>
      {problems.length > 0 && (
        <ul id="problems" class="list problems">
          {problems.map((p, i) => <li key={i}><code>{p.code}</code> {p.path ? <code>{p.path}</code> : null} {p.message}</li>)}
        </ul>
      )}

      <h3>{t('versions')}</h3>
      <fieldset class="gray-rules">
        <legend>{t('gray_rules')}</legend>
        <label for="gray-whitelist">{t('gray_whitelist')}</label>
        <input id="gray-whitelist" inputMode="numeric" value={whitelist} onInput={(e) => setWhitelist(e.currentTarget.value)} />
        <span>{t('gray_platforms')}</span>
        {PLATFORMS.map((platform) => (
          <label key={platform} class="check">
            <input type="checkbox" class={`platform-${platform}`} checked={platforms.includes(platform)}
                   onChange={(e) => setPlatforms(e.currentTarget.checked ? [...platforms, platform]
                     : platforms.filter((p) => p !== platform))} />
            {platform}
          </label>
        ))}
      </fieldset>
      <table id="versions">
        <thead><tr><th scope="col">{t('version')}</th><th scope="col">{t('state')}</th><th scope="col">{t('review')}</th><th scope="col">{t('actions')}</th></tr></thead>
        <tbody>
          {app.versions.map((v) => (
            <tr key={v.version} data-version={v.version}>
              <td>{v.version}</td>
              <td class="state">{stateName(v.state)}</td>
              <td class="review">{v.review ? [v.review.note, ...v.review.reasons.map((r) => `${itemName(r.item)}：${r.reason}`)].filter(Boolean).join('；') : ''}</td>
              <td>
                {v.state === 'UPLOADED' && <button type="button" class="submit" onClick={() => step(t('submitted'),
                  gql(SubmitVersionDocument, { appId, version: v.version }).then((a) => a.submitMiniAppVersion))}>{t('submit')}</button>}
                {v.state === 'APPROVED' && <>
                  <label for={`percent-${v.version}`} class="sr-only">{t('gray_percent')}</label>
                  <input id={`percent-${v.version}`} class="percent" type="number" min={1} max={100} value={percent}
                         onInput={(e) => setPercent(e.currentTarget.value)} />
                  <button type="button" class="gray" onClick={() => {
                    const ids = whitelist.split(/[\s,，]+/).filter(Boolean);
                    if (ids.some((id) => !/^[1-9][0-9]{0,18}$/.test(id))) { setStatus(t('gray_whitelist_invalid')); return; }
                    void step(t('gray_started'), gql(StartGrayDocument, {
                      appId, version: v.version, rules: { percent: Number(percent), whitelist: ids, platforms },
                    }).then((a) => a.startGrayRelease));
                  }}>{t('start_gray')}</button>
                </>}
                {v.state === 'GRAY' && <>
                  <label for={`raise-${v.version}`} class="sr-only">{t('gray_percent')}</label>
                  <input id={`raise-${v.version}`} class="percent" type="number" min={1} max={100} value={percent}
                         onInput={(e) => setPercent(e.currentTarget.value)} />
                  <button type="button" class="raise" onClick={() => step(t('gray_raised'), gql(RaiseGrayDocument, {
                    appId, percent: Number(percent),
                  }).then((a) => a.raiseGrayPercentage))}>{t('raise_gray')}</button>
                </>}
                {(v.state === 'APPROVED' || v.state === 'GRAY') && <button type="button" class="release" onClick={() => step(
                  t('released'), gql(ReleaseVersionDocument, { appId, version: v.version }).then((a) => a.releaseMiniAppVersion))}>
                  {t('release')}</button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {release.rollbackTargets.some((v) => v !== release.liveVersion) && (
        <div class="inline">
          <label for="rollback-target">{t('rollback_to')}</label>
          <select id="rollback-target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            {release.rollbackTargets.filter((v) => v !== release.liveVersion).map((v) => <option key={v} value={v}>{v}</option>)}
          </select>
          <button type="button" id="rollback" onClick={() => step(t('rolled_back', { version: target }),
            gql(RollbackDocument, { appId, version: target }).then((a) => a.rollbackMiniApp))}>{t('rollback')}</button>
        </div>
      )}
      <p id="app-status" role="status" aria-live="polite">{status}</p>

      <h3 id="analytics-title">{t('analytics')}</h3>
      <Analytics appId={appId} />
      <h3 id="webhooks-title">{t('webhook_deliveries')}</h3>
      <Webhooks appId={appId} />
      <h3 id="keys-title">{t('open_api_keys')}</h3>
      <Keys appId={appId} />
    </section>
  );
}
