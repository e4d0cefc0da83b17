// The day's settlement reconciliation (operators): our card movements against the network's
// signed settlement file for a China Standard Time day, each kind of mismatch counted and listed.
import { useState } from 'preact/hooks';

import { gql } from '../api';
import { type OperatorReconciliationQuery, type SettlementMismatchKind, OperatorReconciliationDocument } from '../generated/graphql';
import { t, yuan } from '../i18n';

type Report = Extract<OperatorReconciliationQuery['settlementReconciliation'], { __typename: 'SettlementReconciliation' }>;

/** Today in China Standard Time (UTC+8, no daylight saving), as the settlement day is counted. */
function todayInChina(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

function kindName(kind: SettlementMismatchKind): string {
  switch (kind) {
    case 'MISSING_AT_NETWORK': return t('mismatch_missing_at_network');
    case 'MISSING_HERE': return t('mismatch_missing_here');
    case 'AMOUNT_DIFFERS': return t('mismatch_amount_differs');
    case 'STATUS_DIFFERS': return t('mismatch_status_differs');
    case 'PENDING_TOO_LONG': return t('mismatch_pending_too_long');
    case 'IN_TRANSIT_DIFFERS': return t('mismatch_in_transit_differs');
  }
}

const money = (fen: number | null) => (fen === null ? '—' : yuan(fen));

export function OperatorReconciliation() {
  const [day, setDay] = useState(todayInChina());
  const [report, setReport] = useState<Report | null>(null);
  const [status, setStatus] = useState('');

  const run = async () => {
    setStatus(t('loading'));
    const answer = (await gql(OperatorReconciliationDocument, { day })).settlementReconciliation;
    if (answer.__typename === 'SettlementReconciliation') {
      setReport(answer);
      setStatus(answer.clean ? t('reconciled_clean') : t('reconciled_mismatches'));
    } else {
      setReport(null);
      setStatus(answer.message);
    }
  };

  return (
    <section class="card" aria-labelledby="reconciliation-title">
      <h2 id="reconciliation-title">{t('reconciliation')}</h2>
      <form class="inline" onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <label for="settlement-day">{t('settlement_day')}</label>
        <input id="settlement-day" type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} />
        <button type="submit" id="reconcile" class="primary" disabled={!day}>{t('reconcile')}</button>
      </form>
      <p id="reconciliation-status" role="status" aria-live="polite">{status}</p>
      {report && (
        <div id="reconciliation-report">
          <p>{t('reconciliation_totals', {
            network: report.networkMovements, total: yuan(report.networkTotal), ours: report.ourMovements,
          })}</p>
          <table id="mismatch-counts">
            <caption class="sr-only">{t('mismatch_counts')}</caption>
            <thead><tr><th>{t('mismatch_kind')}</th><th>{t('mismatch_count')}</th></tr></thead>
            <tbody>{report.counts.map((c) => <tr key={c.kind}><td>{kindName(c.kind)}</td><td>{c.count}</td></tr>)}</tbody>
          </table>
          {report.mismatches.length > 0 && (
            <table id="mismatches">
              <caption class="sr-only">{t('mismatches')}</caption>
              <thead>
                <tr><th>{t('mismatch_kind')}</th><th>{t('request_id')}</th><th>{t('our_side')}</th><th>{t('their_side')}</th></tr>
              </thead>
              <tbody>
                {report.mismatches.map((m, i) => (
                  <tr key={`${m.kind}-${m.requestId ?? m.networkRef ?? i}`}>
                    <td>{kindName(m.kind)}</td>
                    <td><code>{m.requestId ?? m.networkRef ?? '—'}</code></td>
                    <td>{money(m.ourAmount)} {m.ourStatus ?? ''}</td>
                    <td>{money(m.theirAmount)} {m.theirStatus ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
