// The operators' analytics and marketing screens: tracking definitions, the hourly and cohort
// reports in a chosen time zone, campaigns on a month calendar, and the segment builder. The
// server decides in any case: each field declares the operator role.
import { useState } from 'preact/hooks';

import { t } from '../i18n';
import { InsightCalendar } from './InsightCalendar';
import { InsightCharts } from './InsightCharts';
import { InsightDefinitions } from './InsightDefinitions';
import { InsightSegments } from './InsightSegments';
import { ZONES, localDay, nextDay } from './insightTime';

type Screen = 'definitions' | 'charts' | 'calendar' | 'segments';
const SCREENS: Screen[] = ['definitions', 'charts', 'calendar', 'segments'];

function screenName(screen: Screen): string {
  switch (screen) {
    case 'definitions': return t('insight_definitions');
    case 'charts': return t('insight_charts');
    case 'calendar': return t('insight_calendar');
    case 'segments': return t('insight_segments');
  }
}

export function Insight() {
  const [screen, setScreen] = useState<Screen>('charts');
  const [zone, setZone] = useState('Asia/Shanghai');
  const today = localDay(Date.now(), zone);
  const [from, setFrom] = useState(nextDay(today, -6));
  const [to, setTo] = useState(today);
  return (
    <section class="card" aria-labelledby="insight-title">
      <h2 id="insight-title">{t('insight_title')}</h2>
      <nav class="inline" aria-label={t('insight_title')}>
        {SCREENS.map((one) => (
          <button type="button" key={one} id={`insight-${one}`} class={one === screen ? 'primary' : ''}
                  aria-pressed={one === screen} onClick={() => setScreen(one)}>{screenName(one)}</button>
        ))}
      </nav>
      {(screen === 'charts' || screen === 'calendar') && <div class="inline">
        <label for="insight-zone">{t('insight_time_zone')}</label>
        <select id="insight-zone" value={zone} onChange={(e) => setZone(e.currentTarget.value)}>
          {ZONES.map((z) => <option key={z} value={z}>{z}</option>)}
        </select>
        {screen === 'charts' && <>
          <label for="insight-from">{t('insight_from')}</label>
          <input id="insight-from" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
          <label for="insight-to">{t('insight_to')}</label>
          <input id="insight-to" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </>}
      </div>}
      {screen === 'definitions' && <InsightDefinitions />}
      {screen === 'charts' && <InsightCharts period={{ zone, from, to }} />}
      {screen === 'calendar' && <InsightCalendar zone={zone} />}
      {screen === 'segments' && <InsightSegments />}
    </section>
  );
}
