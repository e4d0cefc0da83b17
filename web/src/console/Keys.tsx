// An app's open-API credentials: the app secret (reset, shown once), the SM2 signing public
// key (its fingerprint; registered or removed), and tracking write keys (listed by fingerprint,
// created with the key shown once, revoked). Rotating a write key: create a new one, revoke the old.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import {
  type AppKeysQuery, AppKeysDocument, AppWebhooksDocument, CreateWriteKeyDocument, RegisterSigningKeyDocument,
  ResetSecretDocument, RevokeWriteKeyDocument,
} from '../generated/graphql';
import { t } from '../i18n';

type Key = Extract<AppKeysQuery['trackingWriteKeys'], { __typename: 'TrackingWriteKeys' }>['items'][number];

export function Keys({ appId }: { appId: string }) {
  const [keys, setKeys] = useState<Key[]>([]);
  const [signing, setSigning] = useState<string | null>(null);
  const [publicKey, setPublicKey] = useState('');
  const [shown, setShown] = useState<{ label: string; value: string } | null>(null);
  const [status, setStatus] = useState('');

  const load = async () => {
    const [listed, settings] = await Promise.all([gql(AppKeysDocument, { appId }), gql(AppWebhooksDocument, { appId, before: null })]);
    if (listed.trackingWriteKeys.__typename === 'TrackingWriteKeys') setKeys(listed.trackingWriteKeys.items);
    else setStatus(listed.trackingWriteKeys.message);
    const open = settings.miniAppOpenSettings;
    if (open.__typename === 'MiniAppOpenSettings') setSigning(open.sm2KeyFingerprint ?? null);
  };
  useEffect(() => { void load(); }, [appId]);

  const createKey = async () => {
    const answer = (await gql(CreateWriteKeyDocument, { appId })).createTrackingWriteKey;
    if (answer.__typename === 'TrackingWriteKey') setShown({ label: t('write_key_once'), value: answer.writeKey });
    else setStatus(answer.message);
    await load();
  };
  const resetSecret = async () => {
    const answer = (await gql(ResetSecretDocument, { appId })).resetMiniAppSecret;
    if (answer.__typename === 'MiniAppCredentials') setShown({ label: t('secret_once', { app: appId }), value: answer.appSecret });
    else setStatus(answer.message);
  };
  const register = async (key: string | null) => {
    const answer = (await gql(RegisterSigningKeyDocument, { appId, publicKey: key })).registerMiniAppSm2Key;
    setStatus(answer.__typename === 'MiniAppOpenSettings' ? t('saved') : answer.message);
    if (answer.__typename === 'MiniAppOpenSettings') setPublicKey('');
    await load();
  };
  const revoke = async (id: string) => {
    const answer = (await gql(RevokeWriteKeyDocument, { appId, id })).revokeTrackingWriteKey;
    setStatus(answer.__typename === 'TrackingWriteKeys' ? t('write_key_revoked') : answer.message);
    await load();
  };

  return (
    <div class="keys">
      {shown && (
        <div class="secret" id="key-once" role="alert">
          <strong>{shown.label}</strong>
          <code id="key-once-value">{shown.value}</code>
          <button type="button" onClick={() => setShown(null)}>{t('secret_kept')}</button>
        </div>
      )}
      <div class="inline">
        <span>{t('app_secret')}</span>
        <button type="button" id="reset-secret" onClick={resetSecret}>{t('reset_secret')}</button>
      </div>
      <p id="signing-key" class="muted">{t('sm2_signing_key')}{signing ? <code>{signing}</code> : t('none')}</p>
      <div class="inline">
        <label for="sm2-key">{t('sm2_public_key')}</label>
        <input id="sm2-key" maxLength={132} value={publicKey} onInput={(e) => setPublicKey(e.currentTarget.value)} />
        <button type="button" id="register-sm2" disabled={!publicKey.trim()} onClick={() => register(publicKey.trim())}>
          {t('register_key')}</button>
        {signing && <button type="button" id="remove-sm2" onClick={() => register(null)}>{t('remove_key')}</button>}
      </div>
      <table id="write-keys">
        <caption>{t('write_keys')}</caption>
        <thead><tr><th scope="col">{t('key_id')}</th><th scope="col">{t('fingerprint')}</th><th scope="col">{t('created')}</th>
          <th scope="col">{t('actions')}</th></tr></thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} data-key={k.id}>
              <td>{k.id}</td><td><code>{k.fingerprint}</code></td><td>{new Date(k.createdAt).toLocaleString()}</td>
              <td><button type="button" class="revoke" onClick={() => revoke(k.id)}>{t('revoke')}</button></td>
            </tr>
          ))}
          {!keys.length && <tr><td colSpan={4} class="muted">{t('no_write_keys')}</td></tr>}
        </tbody>
      </table>
      <button type="button" id="create-write-key" onClick={createKey}>{t('create_write_key')}</button>
      <p id="keys-status" role="status" aria-live="polite">{status}</p>
    </div>
  );
}
