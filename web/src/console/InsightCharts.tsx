// The analytics charts: PV/UV, click-through and conversion per local hour of one page in the
// chosen time zone, a funnel of ordered steps, and day-N retention of each first-seen day.
import { useEffect, useRef, useState } from 'preact/hooks';

import { gql } from '../api';
import {
  type InsightFunnelQuery, type InsightHourlyQuery, type InsightRetentionQuery,
  InsightFunnelDocument, InsightHourlyDocument, InsightRetentionDocument,
} from '../generated/graphql';
import { t } from '../i18n';
import { Chart } from './Chart';
import type { Period } from './insightTime';
import { hourLabel, range } from './insightTime';

type Hourly = InsightHourlyQuery;
type Views = Extract<Hourly['trackingPageViews'], { __typename: 'PageViewsReport' }>['rows'];
type Clicks = Extract<Hourly['trackingClickThroughByHour'], { __typename: 'ClickThroughByHourReport' }>['rows'];
type Conversions = Extract<Hourly['trackingConversion'], { __typename: 'ConversionReport' }>['rows'];
type Funnel = Extract<InsightFunnelQuery['trackingFunnel'], { __typename: 'FunnelReport' }>['steps'];
type Cohorts = Extract<InsightRetentionQuery['trackingRetention'], { __typename: 'RetentionReport' }>['cohorts'];

const percent = (rate: number) => Math.round(rate * 1000) / 10;

/** Each hour's figure of one page, in hour order. */
function perHour<R extends { page: string; hour: string | null }>(rows: R[], page: string, pick: (row: R) => number[]) {
  const mine = rows.filter((r) => r.page === page && r.hour !== null).sort((a, b) => (a.hour! < b.hour! ? -1 : 1));
  return { labels: mine.map((r) => hourLabel(r.hour!)), columns: mine.map(pick) };
}

const column = (columns: number[][], at: number) => columns.map((c) => c[at]);

export function InsightCharts({ period }: { period: Period }) {
  const [views, setViews] = useState<Views>([]);
  const [clicks, setClicks] = useState<Clicks>([]);
  const [conversions, setConversions] = useState<Conversions>([]);
  const [page, setPage] = useState('');
  const [goal, setGoal] = useState('order_paid');
  const [within, setWithin] = useState('24');
  const [steps, setSteps] = useState('$page, $click, order_paid');
  const [funnel, setFunnel] = useState<Funnel>([]);
  const [days, setDays] = useState('1, 7');
  const [cohorts, setCohorts] = useState<Cohorts>([]);
  const [status, setStatus] = useState('');
  const [shownZone, setShownZone] = useState('');

  const asked = useRef(0); // only the latest request's answers are shown
  const load = async () => {
    const mine = ++asked.current;
    setStatus(t('loading'));
    const { since, until } = range(period.from, period.to, period.zone);
    const numbers = days.split(/[\s,，]+/).filter(Boolean).map(Number);
    const [hourly, steps_, retention] = await Promise.all([
      gql(InsightHourlyDocument, { since, until, timeZone: period.zone, goal: goal.trim(), withinHours: Number(within) }),
      gql(InsightFunnelDocument, { since, until, steps: steps.split(/[\s,，]+/).filter(Boolean), withinHours: Number(within) }),
      gql(InsightRetentionDocument, { since, until, days: numbers, timeZone: period.zone }),
    ]);
    if (mine !== asked.current) return;
    const refusals: string[] = [];
    const pv = hourly.trackingPageViews;
    if (pv.__typename === 'PageViewsReport') { setViews(pv.rows); setShownZone(pv.timeZone); } else refusals.push(pv.message);
    const ct = hourly.trackingClickThroughByHour;
    if (ct.__typename === 'ClickThroughByHourReport') setClicks(ct.rows); else refusals.push(ct.message);
    const cv = hourly.trackingConversion;
    if (cv.__typename === 'ConversionReport') setConversions(cv.rows); else refusals.push(cv.message);
    const fn = steps_.trackingFunnel;
    if (fn.__typename === 'FunnelReport') setFunnel(fn.steps); else { setFunnel([]); refusals.push(fn.message); }
    const rt = retention.trackingRetention;
    if (rt.__typename === 'RetentionReport') setCohorts(rt.cohorts); else { setCohorts([]); refusals.push(rt.message); }
    if (pv.__typename === 'PageViewsReport') {
      const pages = [...new Set(pv.rows.map((r) => r.page))].sort();
      setPage((current) => (pages.includes(current) ? current : pages[0] ?? ''));
    }
    setStatus(refusals.join('；'));
  };
  useEffect(() => { void load(); }, [period.zone, period.from, period.to]);

  const pages = [...new Set([...views, ...clicks, ...conversions].map((r) => r.page))].sort();
  const pv = perHour(views, page, (r) => [r.pageViews, r.visitors]);
  const ct = perHour(clicks, page, (r) => [r.exposures, r.clicks, percent(r.rate)]);
  const cv = perHour(conversions, page, (r) => [r.visitors, r.converted, percent(r.rate)]);
  const first = funnel[0]?.visitors ?? 0;
  const dayNumbers = cohorts[0]?.retained.map((r) => r.day) ?? [];
  const hour = t('insight_hour');

  return (
    <div id="insight-charts-screen" class="stack">
      <form class="inline" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <label for="insight-page">{t('insight_page')}</label>
        <select id="insight-page" value={page} onChange={(e) => setPage(e.currentTarget.value)}>
          {pages.map((p) => <option key={p} value={p}>{p}</option>)}
        </select>
        <label for="insight-goal">{t('insight_goal')}</label>
        <input id="insight-goal" value={goal} onInput={(e) => setGoal(e.currentTarget.value)} />
        <label for="insight-within">{t('insight_within_hours')}</label>
        <input id="insight-within" class="percent" type="number" min={1} max={720} value={within}
               onInput={(e) => setWithin(e.currentTarget.value)} />
        <label for="insight-steps">{t('insight_funnel_steps')}</label>
        <input id="insight-steps" value={steps} onInput={(e) => setSteps(e.currentTarget.value)} />
        <label for="insight-days">{t('insight_retention_days')}</label>
        <input id="insight-days" value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        <button type="submit" id="insight-refresh" class="primary">{t('insight_refresh')}</button>
      </form>
      <p id="charts-status" role="status" aria-live="polite">{status}</p>
      <p class="muted" id="charts-zone">{t('insight_hours_in', { zone: shownZone || period.zone })}</p>
      <Chart id="pv-chart" kind="bar" title={t('insight_pv_uv', { page })} labels={pv.labels} labelHeading={hour}
             series={[{ name: t('insight_pv'), values: column(pv.columns, 0) }, { name: t('insight_uv'), values: column(pv.columns, 1) }]} />
      <Chart id="ct-chart" kind="bar" title={t('insight_click_through', { page })} labels={ct.labels} labelHeading={hour}
             series={[{ name: t('insight_exposures'), values: column(ct.columns, 0) }, { name: t('insight_clicks'), values: column(ct.columns, 1) },
               { name: t('insight_rate'), values: column(ct.columns, 2), percent: true }]} />
      <Chart id="cv-chart" kind="line" title={t('insight_conversion', { page, goal })} labels={cv.labels} labelHeading={hour}
             series={[{ name: t('insight_visitors'), values: column(cv.columns, 0) }, { name: t('insight_converted'), values: column(cv.columns, 1) },
               { name: t('insight_rate'), values: column(cv.columns, 2), percent: true }]} />
      <Chart id="funnel-chart" kind="bar" title={t('insight_funnel')} labels={funnel.map((s) => s.name)} labelHeading={t('insight_step')}
             series={[{ name: t('insight_visitors'), values: funnel.map((s) => s.visitors) },
               { name: t('insight_of_first'), values: funnel.map((s) => (first ? percent(s.visitors / first) : 0)), percent: true }]} />
      <h3 id="retention-title">{t('insight_retention')}</h3>
      <table id="retention" aria-labelledby="retention-title">
        <thead><tr>
          <th scope="col">{t('insight_first_seen')}</th><th scope="col">{t('insight_visitors')}</th>
          {dayNumbers.map((n) => <th scope="col" key={n}>{t('insight_day_n', { day: n })}</th>)}
        </tr></thead>
        <tbody>
          {cohorts.map((c) => (
            <tr key={c.firstSeen} data-day={c.firstSeen}>
              <th scope="row">{c.firstSeen}</th><td>{c.visitors}</td>
              {c.retained.map((r) => <td key={r.day} data-n={r.day}>{r.visitors}（{percent(r.rate)}%）</td>)}
            </tr>
          ))}
          {!cohorts.length && <tr><td colSpan={2 + dayNumbers.length} class="muted">{t('insight_no_data')}</td></tr>}
        </tbody>
      </table>
    </div>
  );
}
