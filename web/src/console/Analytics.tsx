// An app's analytics for its developers, the last 7 days: page views and visitors per hour,
// events per name, exposures and clicks per hour, and day-1 / day-7 retention per cohort.
// The server answers only for apps of the developer's own organisations.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import { type AppAnalyticsQuery, AppAnalyticsDocument } from '../generated/graphql';
import { locale, t } from '../i18n';
import { Chart, type Series } from './Chart';

type Answer = AppAnalyticsQuery;
const DAYS = 7;

/** The hour as a clock in the report's time zone shows it, e.g. "11/10 10". */
function hourLabel(hour: string, timeZone: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' })
    .format(new Date(hour));
}

/** Sums each named figure per hour across pages, hours in order. */
function perHour<R extends { hour: string }>(rows: R[], timeZone: string, figures: { name: string; of: (r: R) => number }[]) {
  const hours = [...new Set(rows.map((r) => r.hour))].sort((a, b) => Date.parse(a) - Date.parse(b));
  const series: Series[] = figures.map((f) => ({
    name: f.name, values: hours.map((h) => rows.filter((r) => r.hour === h).reduce((sum, r) => sum + f.of(r), 0)),
  }));
  return { labels: hours.map((h) => hourLabel(h, timeZone)), series };
}

export function Analytics({ appId }: { appId: string }) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  useEffect(() => {
    const until = new Date();
    const since = new Date(until.getTime() - DAYS * 24 * 3600 * 1000);
    void gql(AppAnalyticsDocument, { appId, since: since.toISOString(), until: until.toISOString() }).then(setAnswer);
  }, [appId]);
  if (!answer) return <p>{t('loading')}</p>;

  const { trackingPageViews: pv, trackingEventCounts: events, trackingClickThroughByHour: ctr,
    trackingRetention: retention } = answer;
  const refused = [pv, events, ctr, retention].find((r) => 'message' in r && r.message);
  if (refused && 'message' in refused) return <p id="analytics-status" role="status">{refused.message}</p>;
  const views = pv.__typename === 'PageViewsReport'
    ? perHour(pv.rows, pv.timeZone, [{ name: t('page_views'), of: (r) => r.pageViews }, { name: t('visitors'), of: (r) => r.visitors }])
    : { labels: [], series: [] };
  const clicks = ctr.__typename === 'ClickThroughByHourReport'
    ? perHour(ctr.rows, ctr.timeZone, [{ name: t('exposures'), of: (r) => r.exposures }, { name: t('clicks'), of: (r) => r.clicks }])
    : { labels: [], series: [] };
  const named = events.__typename === 'TrackingEventCounts' ? events.items : [];
  const cohorts = retention.__typename === 'RetentionReport' ? retention.cohorts : [];
  const retained = (day: number) => cohorts.map((c) => c.retained.find((r) => r.day === day)?.visitors ?? 0);

  return (
    <div class="analytics">
      <p class="muted">{t('analytics_window', { days: DAYS })}</p>
      <Chart id="pv-chart" title={t('pv_uv_per_hour')} kind="line" labelHeading={t('hour')} {...views} />
      <Chart id="events-chart" title={t('events_per_name')} kind="bar" labelHeading={t('event_name')}
             labels={named.map((e) => e.eventName)}
             series={[{ name: t('events'), values: named.map((e) => e.events) },
                      { name: t('visitors'), values: named.map((e) => e.visitors) }]} />
      <Chart id="ctr-chart" title={t('click_through_per_hour')} kind="line" labelHeading={t('hour')} {...clicks} />
      <Chart id="retention-chart" title={t('retention')} kind="bar" labelHeading={t('first_seen')}
             labels={cohorts.map((c) => c.firstSeen)}
             series={[{ name: t('cohort_visitors'), values: cohorts.map((c) => c.visitors) },
                      { name: t('retained_day', { day: 1 }), values: retained(1) },
                      { name: t('retained_day', { day: 7 }), values: retained(7) }]} />
    </div>
  );
}
