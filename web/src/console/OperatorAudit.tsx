// The tamper-evident audit log (operators and administrators): every operator action newest
// first, a page at a time, optionally of one subject (account:12, content_item:3...).
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import { type OperatorAuditLogQuery, OperatorAuditLogDocument } from '../generated/graphql';
import { locale, t } from '../i18n';
import { when } from './OperatorDecision';

type Entry = OperatorAuditLogQuery['auditLog']['entries'][number];
const PAGE = 20;

function actionName(action: string): string {
  switch (action) {
    case 'ledger.account_frozen': return t('audit_account_frozen');
    case 'ledger.account_active': return t('audit_account_unfrozen');
    case 'ledger.accounts_viewed': return t('audit_accounts_viewed');
    case 'kyc.manual_opened': return t('audit_kyc_opened');
    case 'kyc.manual_rejected': return t('audit_kyc_rejected');
    case 'content.submit': return t('audit_content_submitted');
    case 'content.approve': return t('audit_content_approved');
    case 'content.reject': return t('audit_content_rejected');
    case 'parks.financing_approved': return t('audit_financing_approved');
    case 'parks.financing_rejected': return t('audit_financing_rejected');
    default: return action;
  }
}

/** A record's detail: a change of state as from → to, the reason under its catalogue label,
 * anything else as key: value. */
function detailText(detail: unknown): string {
  if (!detail || typeof detail !== 'object') return '';
  const { from, to, reason, ...rest } = detail as Record<string, unknown>;
  const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const parts: string[] = [];
  if (from !== undefined || to !== undefined) parts.push(`${shown(from ?? '—')} → ${shown(to ?? '—')}`);
  if (typeof reason === 'string' && reason) parts.push(`${t('decision_reason')}：${reason}`);
  parts.push(...Object.entries(rest).map(([key, value]) => `${key}: ${shown(value)}`));
  return parts.join('；');
}

export function OperatorAudit() {
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [subject, setSubject] = useState('');

  const load = async (before: number | null) => {
    const page = (await gql(OperatorAuditLogDocument, { first: PAGE, beforeSeq: before, subject: subject.trim() || null, action: null })).auditLog;
    setEntries(before === null ? page.entries : [...(entries ?? []), ...page.entries]);
    setNext(page.nextBeforeSeq);
  };
  useEffect(() => { void load(null); }, []);

  return (
    <section class="card" aria-labelledby="audit-title">
      <h2 id="audit-title">{t('audit_log')}</h2>
      <form class="inline" onSubmit={(e) => { e.preventDefault(); void load(null); }}>
        <label for="audit-subject">{t('audit_subject')}</label>
        <input id="audit-subject" maxLength={128} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
        <button type="submit" id="audit-filter">{t('find')}</button>
      </form>
      {entries === null ? <p>{t('loading')}</p> : (
        <table id="audit-entries">
          <thead>
            <tr><th>{t('audit_seq')}</th><th>{t('audit_at')}</th><th>{t('audit_actor')}</th><th>{t('audit_action')}</th>
              <th>{t('audit_subject')}</th><th>{t('audit_detail')}</th></tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} data-action={e.action}>
                <td>{e.seq}</td><td>{when(e.at, locale())}</td><td><code>{e.actor}</code></td>
                <td>{actionName(e.action)}</td><td><code>{e.subject}</code></td><td class="detail">{detailText(e.detail)}</td>
              </tr>
            ))}
            {!entries.length && <tr><td colSpan={6} class="muted">{t('audit_empty')}</td></tr>}
          </tbody>
        </table>
      )}
      {next !== null && <button type="button" id="audit-older" onClick={() => load(next)}>{t('older')}</button>}
    </section>
  );
}
