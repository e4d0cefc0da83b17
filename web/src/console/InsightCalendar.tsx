// Campaigns on a month calendar: each shown on the local days its window covers; picking one
// shows its state and the steps the backend allows from it (maker-checker: another operator
// approves a submitted campaign; the server refuses the maker, and says so).
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import {
  type CampaignState, type InsightCampaignsQuery, InsightApproveCampaignDocument, InsightCampaignsDocument,
  InsightEndCampaignDocument, InsightPauseCampaignDocument, InsightRejectCampaignDocument,
  InsightResumeCampaignDocument, InsightScheduleCampaignDocument,
} from '../generated/graphql';
import { locale, t } from '../i18n';
import { localDay, midnight, nextDay } from './insightTime';

type Campaign = InsightCampaignsQuery['marketingCampaigns'][number];
type Answer = { __typename: string; message?: string };

export function campaignStateName(state: CampaignState): string {
  switch (state) {
    case 'DRAFT': return t('campaign_draft');
    case 'SUBMITTED': return t('campaign_submitted');
    case 'APPROVED': return t('campaign_approved');
    case 'SCHEDULED': return t('campaign_scheduled');
    case 'LIVE': return t('campaign_live');
    case 'PAUSED': return t('campaign_paused');
    case 'ENDED': return t('campaign_ended');
  }
}

function weekday(index: number): string {
  switch (index) {
    case 0: return t('weekday_mon');
    case 1: return t('weekday_tue');
    case 2: return t('weekday_wed');
    case 3: return t('weekday_thu');
    case 4: return t('weekday_fri');
    case 5: return t('weekday_sat');
    default: return t('weekday_sun');
  }
}

/** The month's days (YYYY-MM-DD) in weeks from Monday; null pads the first and last week. */
function weeks(month: string): (string | null)[][] {
  const first = `${month}-01`;
  const [y, m] = month.split('-').map(Number);
  const length = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
  const cells: (string | null)[] = [...Array(lead).fill(null), ...Array.from({ length }, (_, i) => nextDay(first, i))];
  while (cells.length % 7) cells.push(null);
  return Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
}

export function InsightCalendar({ zone }: { zone: string }) {
  const [month, setMonth] = useState(localDay(Date.now(), zone).slice(0, 7));
  const [campaigns, setCampaigns] = useState<Campaign[] | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [status, setStatus] = useState('');

  const load = async () => setCampaigns((await gql(InsightCampaignsDocument, {})).marketingCampaigns);
  useEffect(() => { void load(); }, []);

  const step = async (done: string, work: Promise<Answer>) => {
    const answer = await work;
    setStatus(answer.__typename === 'Campaign' ? done : answer.message ?? '');
    await load();
  };

  const on = (day: string) => {
    const start = midnight(day, zone);
    const end = midnight(nextDay(day), zone);
    return (campaigns ?? []).filter((c) => Date.parse(c.startsAt) < end && Date.parse(c.endsAt) > start);
  };
  const when = (moment: string) => new Date(moment).toLocaleString(locale(), { timeZone: zone, hour12: false });
  const chosen = campaigns?.find((c) => c.id === picked) ?? null;

  return (
    <div id="insight-calendar-screen" class="stack">
      <div class="inline">
        <label for="calendar-month">{t('calendar_month')}</label>
        <input id="calendar-month" type="month" value={month} onChange={(e) => e.currentTarget.value && setMonth(e.currentTarget.value)} />
      </div>
      {campaigns === null ? <p>{t('loading')}</p> : (
        <table id="calendar" class="calendar">
          <caption>{t('calendar_caption', { month, zone })}</caption>
          <thead><tr>{[0, 1, 2, 3, 4, 5, 6].map((d) => <th scope="col" key={d}>{weekday(d)}</th>)}</tr></thead>
          <tbody>
            {weeks(month).map((week, w) => (
              <tr key={w}>
                {week.map((day, d) => (
                  <td key={d} data-day={day ?? undefined}>
                    {day && <>
                      <span class="day">{Number(day.slice(8))}</span>
                      {on(day).map((c) => (
                        <button type="button" key={c.id} class={`campaign state-${c.state.toLowerCase()}`} data-campaign={c.id}
                                aria-pressed={c.id === picked} onClick={() => setPicked(c.id)}>
                          {c.name}（{campaignStateName(c.state)}）
                        </button>
                      ))}
                    </>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen && (
        <div id="campaign-detail" class="stack">
          <h3>{chosen.name}</h3>
          <p class="muted" id="campaign-state">{t('campaign_state', { state: campaignStateName(chosen.state) })}</p>
          <p class="muted">{t('campaign_window', { start: when(chosen.startsAt), end: when(chosen.endsAt) })}</p>
          {chosen.cron && <p class="muted">{t('campaign_cron', { cron: chosen.cron, minutes: chosen.occurrenceMinutes ?? 0 })}</p>}
          <div class="inline">
            {chosen.state === 'SUBMITTED' && <>
              <button type="button" id="campaign-approve" class="primary" onClick={() => step(t('approved'),
                gql(InsightApproveCampaignDocument, { campaignId: chosen.id }).then((a) => a.approveCampaign))}>{t('approve')}</button>
              <label for="campaign-reason">{t('reject_reason')}</label>
              <input id="campaign-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
              <button type="button" id="campaign-reject" onClick={() => step(t('rejected'),
                gql(InsightRejectCampaignDocument, { campaignId: chosen.id, reason }).then((a) => a.rejectCampaign))}>{t('reject')}</button>
            </>}
            {chosen.state === 'APPROVED' && <button type="button" id="campaign-schedule" class="primary" onClick={() => step(
              t('campaign_did_schedule'), gql(InsightScheduleCampaignDocument, { campaignId: chosen.id }).then((a) => a.scheduleCampaign))}>
              {t('campaign_schedule')}</button>}
            {chosen.state === 'LIVE' && <button type="button" id="campaign-pause" onClick={() => step(t('campaign_did_pause'),
              gql(InsightPauseCampaignDocument, { campaignId: chosen.id }).then((a) => a.pauseCampaign))}>{t('campaign_pause')}</button>}
            {chosen.state === 'PAUSED' && <button type="button" id="campaign-resume" onClick={() => step(t('campaign_did_resume'),
              gql(InsightResumeCampaignDocument, { campaignId: chosen.id }).then((a) => a.resumeCampaign))}>{t('campaign_resume')}</button>}
            {(chosen.state === 'SCHEDULED' || chosen.state === 'LIVE' || chosen.state === 'PAUSED') && (
              <button type="button" id="campaign-end" onClick={() => step(t('campaign_did_end'),
                gql(InsightEndCampaignDocument, { campaignId: chosen.id }).then((a) => a.endCampaign))}>{t('campaign_end')}</button>
            )}
          </div>
        </div>
      )}
      <p id="calendar-status" role="status" aria-live="polite">{status}</p>
    </div>
  );
}
