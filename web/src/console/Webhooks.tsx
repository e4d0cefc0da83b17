// An app's webhook: its URL, a test event, and its deliveries (newest first, 20 a page) with
// redeliver. The server shows developers no body, signature or key of a delivery.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import {
  type AppWebhooksQuery, type WebhookDeliveryStatus, AppWebhooksDocument, RedeliverDocument, SendTestWebhookDocument,
  SetWebhookDocument,
} from '../generated/graphql';
import { t } from '../i18n';

type Page = Extract<AppWebhooksQuery['miniAppWebhookDeliveries'], { __typename: 'WebhookDeliveryPage' }>;
type Answer = { __typename: string; message?: string };

function statusName(status: WebhookDeliveryStatus): string {
  switch (status) {
    case 'PENDING': return t('delivery_pending');
    case 'DELIVERED': return t('delivery_delivered');
    case 'DEAD': return t('delivery_dead');
  }
}

const when = (at: string | null | undefined) => (at ? new Date(at).toLocaleString() : '');

export function Webhooks({ appId }: { appId: string }) {
  const [url, setUrl] = useState('');
  const [page, setPage] = useState<Page | null>(null);
  const [before, setBefore] = useState<(string | null)[]>([null]);
  const [status, setStatus] = useState('');

  const load = async (cursor: string | null = before[before.length - 1]) => {
    const answer = await gql(AppWebhooksDocument, { appId, before: cursor });
    const settings = answer.miniAppOpenSettings;
    if (settings.__typename === 'MiniAppOpenSettings') setUrl(settings.webhookUrl ?? '');
    const found = answer.miniAppWebhookDeliveries;
    if (found.__typename === 'WebhookDeliveryPage') setPage(found);
    else setStatus(found.message);
  };
  useEffect(() => { void load(null); }, [appId]);

  const step = async (done: string, work: Promise<Answer>) => {
    const answer = await work;
    setStatus(answer.message ?? done);
    await load();
  };
  const turn = (cursors: (string | null)[]) => { setBefore(cursors); void load(cursors[cursors.length - 1]); };

  return (
    <div class="webhooks">
      <form class="inline" onSubmit={(e) => { e.preventDefault(); void step(t('saved'), gql(SetWebhookDocument, {
        appId, url: url.trim() || null }).then((a) => a.setMiniAppWebhook)); }}>
        <label for="webhook-url">{t('webhook_url')}</label>
        <input id="webhook-url" type="url" maxLength={500} value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        <button type="submit" id="save-webhook">{t('save')}</button>
        <button type="button" id="test-webhook" onClick={() => step(t('test_webhook_sent'),
          gql(SendTestWebhookDocument, { appId }).then((a) => a.sendMiniAppTestWebhook))}>{t('send_test_webhook')}</button>
      </form>
      <table id="deliveries">
        <caption class="visually-hidden">{t('webhook_deliveries')}</caption>
        <thead><tr>
          <th scope="col">{t('event')}</th><th scope="col">{t('delivery_status')}</th><th scope="col">{t('attempts')}</th>
          <th scope="col">{t('last_response')}</th><th scope="col">{t('created')}</th><th scope="col">{t('next_attempt')}</th>
          <th scope="col">{t('actions')}</th>
        </tr></thead>
        <tbody>
          {page?.items.map((d) => (
            <tr key={d.id} data-delivery={d.id} data-status={d.status}>
              <td>{d.eventType} <code>{d.eventId}</code></td>
              <td class="delivery-status">{statusName(d.status)}</td>
              <td>{d.attempts}</td>
              <td>{d.lastStatusCode ?? ''} {d.lastError ?? ''}</td>
              <td>{when(d.createdAt)}</td>
              <td>{d.status === 'PENDING' ? when(d.nextAttemptAt) : when(d.deliveredAt)}</td>
              <td><button type="button" class="redeliver" onClick={() => step(t('redelivery_queued'),
                gql(RedeliverDocument, { appId, deliveryId: d.id }).then((a) => a.redeliverMiniAppWebhook))}>
                {t('redeliver')}</button></td>
            </tr>
          ))}
          {page && !page.items.length && <tr><td colSpan={7} class="muted">{t('no_deliveries')}</td></tr>}
        </tbody>
      </table>
      <div class="inline">
        {before.length > 1 && <button type="button" id="newer-deliveries" onClick={() => turn(before.slice(0, -1))}>
          {t('newer')}</button>}
        {page?.hasNextPage && <button type="button" id="older-deliveries" onClick={() => turn([...before, page.endCursor ?? null])}>
          {t('older')}</button>}
      </div>
      <p id="webhook-status" role="status" aria-live="polite">{status}</p>
    </div>
  );
}
