// The segment builder: rules composed into the marketing rule JSON the server validates. Each
// rule is previewed on its own (its count, or the server's refusal beside it), then the whole;
// the segment is saved only after its count has been seen.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import { type InsightSegmentsQuery, InsightCreateSegmentDocument, InsightPreviewSegmentDocument, InsightSegmentsDocument } from '../generated/graphql';
import { t } from '../i18n';

type Kind = 'ageBand' | 'city' | 'accountClass' | 'enterpriseEmployee' | 'event';
const KINDS: Kind[] = ['ageBand', 'city', 'accountClass', 'enterpriseEmployee', 'event'];
const AGE_BANDS = ['UNDER_18', '18_24', '25_34', '35_44', '45_54', '55_64', '65_PLUS'];
const ACCOUNT_CLASSES = ['CLASS_ONE', 'CLASS_TWO', 'NONE'];

interface Rule {
  kind: Kind;
  negate: boolean;
  values: string[];      // ageBand, accountClass
  text: string;          // city (comma separated) or the event name
  employee: boolean;
  page: string;
  atLeast: string;
  withinDays: string;
}

const blank = (): Rule => ({ kind: 'ageBand', negate: false, values: [], text: '', employee: true, page: '', atLeast: '1', withinDays: '30' });

function kindName(kind: Kind): string {
  switch (kind) {
    case 'ageBand': return t('segment_age_band');
    case 'city': return t('segment_city');
    case 'accountClass': return t('segment_account_class');
    case 'enterpriseEmployee': return t('segment_employee');
    case 'event': return t('segment_event');
  }
}

function valueName(value: string): string {
  switch (value) {
    case 'UNDER_18': return t('age_under_18');
    case '18_24': return t('age_18_24');
    case '25_34': return t('age_25_34');
    case '35_44': return t('age_35_44');
    case '45_54': return t('age_45_54');
    case '55_64': return t('age_55_64');
    case '65_PLUS': return t('age_65_plus');
    case 'CLASS_ONE': return t('account_class_one');
    case 'CLASS_TWO': return t('account_class_two');
    default: return t('account_class_none');
  }
}

function json(rule: Rule): object {
  let leaf: object;
  switch (rule.kind) {
    case 'ageBand': case 'accountClass': leaf = { attr: rule.kind, in: rule.values }; break;
    case 'city': leaf = { attr: 'city', in: rule.text.split(/[,，]/).map((c) => c.trim()).filter(Boolean) }; break;
    case 'enterpriseEmployee': leaf = { attr: 'enterpriseEmployee', is: rule.employee }; break;
    case 'event': leaf = {
      event: rule.text.trim(), ...(rule.page.trim() ? { page: rule.page.trim() } : {}),
      atLeast: Number(rule.atLeast), withinDays: Number(rule.withinDays),
    };
  }
  return rule.negate ? { not: leaf } : leaf;
}

type Outcome = { matching: number } | { problem: string };

export function InsightSegments() {
  const [combine, setCombine] = useState<'all' | 'any'>('all');
  const [rules, setRules] = useState<Rule[]>([blank()]);
  const [outcomes, setOutcomes] = useState<(Outcome | null)[]>([]);
  const [whole, setWhole] = useState<Outcome | null>(null);
  const [seen, setSeen] = useState('');
  const [name, setName] = useState('');
  const [segments, setSegments] = useState<InsightSegmentsQuery['marketingSegments']>([]);
  const [status, setStatus] = useState('');

  const load = async () => setSegments((await gql(InsightSegmentsDocument, {})).marketingSegments);
  useEffect(() => { void load(); }, []);

  const ruleText = () => JSON.stringify({ [combine]: rules.map(json) });
  const change = (at: number, patch: Partial<Rule>) => {
    setRules(rules.map((r, i) => (i === at ? { ...r, ...patch } : r)));
    setWhole(null);
  };
  const previewOf = async (text: string): Promise<Outcome> => {
    const answer = (await gql(InsightPreviewSegmentDocument, { rule: text })).previewSegment;
    return answer.__typename === 'SegmentPreview' ? { matching: answer.matching } : { problem: answer.message };
  };

  const preview = async () => {
    const text = ruleText();
    const [all, ...each] = await Promise.all([previewOf(text), ...rules.map((r) => previewOf(JSON.stringify(json(r))))]);
    setOutcomes(each);
    setWhole(all);
    setSeen('matching' in all ? text : '');
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const answer = (await gql(InsightCreateSegmentDocument, { name: name.trim(), rule: ruleText() })).createSegment;
    if (answer.__typename === 'Segment') {
      setStatus(t('segment_saved', { name: answer.name, count: answer.memberCount }));
      setName('');
      await load();
    } else setStatus(answer.message);
  };

  return (
    <div id="insight-segments-screen" class="stack">
      <div class="inline">
        <label for="segment-combine">{t('segment_combine')}</label>
        <select id="segment-combine" value={combine} onChange={(e) => { setCombine(e.currentTarget.value as 'all' | 'any'); setWhole(null); }}>
          <option value="all">{t('segment_all')}</option>
          <option value="any">{t('segment_any')}</option>
        </select>
      </div>
      <ol id="segment-rules" class="list stack">
        {rules.map((rule, i) => {
          const outcome = outcomes[i];
          return (
            <li key={i} class="rule stack" data-rule={i}>
              <fieldset class="inline">
                <legend>{t('segment_rule', { n: i + 1 })}</legend>
                <label for={`rule-kind-${i}`}>{t('segment_kind')}</label>
                <select id={`rule-kind-${i}`} class="rule-kind" value={rule.kind}
                        onChange={(e) => change(i, { kind: e.currentTarget.value as Kind, values: [], text: '' })}>
                  {KINDS.map((k) => <option key={k} value={k}>{kindName(k)}</option>)}
                </select>
                <input id={`rule-not-${i}`} type="checkbox" class="rule-not" checked={rule.negate}
                       onChange={(e) => change(i, { negate: e.currentTarget.checked })} />
                <label for={`rule-not-${i}`}>{t('segment_not')}</label>
                {(rule.kind === 'ageBand' || rule.kind === 'accountClass') &&
                  (rule.kind === 'ageBand' ? AGE_BANDS : ACCOUNT_CLASSES).map((v) => (
                    <span key={v} class="inline">
                      <input id={`rule-${i}-${v}`} type="checkbox" value={v} checked={rule.values.includes(v)}
                             onChange={(e) => change(i, { values: e.currentTarget.checked ? [...rule.values, v] : rule.values.filter((x) => x !== v) })} />
                      <label for={`rule-${i}-${v}`}>{valueName(v)}</label>
                    </span>
                  ))}
                {rule.kind === 'city' && <>
                  <label for={`rule-city-${i}`}>{t('segment_cities')}</label>
                  <input id={`rule-city-${i}`} class="rule-city" value={rule.text} onInput={(e) => change(i, { text: e.currentTarget.value })} />
                </>}
                {rule.kind === 'enterpriseEmployee' && <>
                  <label for={`rule-employee-${i}`}>{t('segment_employee')}</label>
                  <select id={`rule-employee-${i}`} value={String(rule.employee)} onChange={(e) => change(i, { employee: e.currentTarget.value === 'true' })}>
                    <option value="true">{t('segment_yes')}</option>
                    <option value="false">{t('segment_no')}</option>
                  </select>
                </>}
                {rule.kind === 'event' && <>
                  <label for={`rule-event-${i}`}>{t('insight_event_name')}</label>
                  <input id={`rule-event-${i}`} class="rule-event" value={rule.text} onInput={(e) => change(i, { text: e.currentTarget.value })} />
                  <label for={`rule-page-${i}`}>{t('insight_page')}</label>
                  <input id={`rule-page-${i}`} class="rule-page" value={rule.page} onInput={(e) => change(i, { page: e.currentTarget.value })} />
                  <label for={`rule-at-least-${i}`}>{t('segment_at_least')}</label>
                  <input id={`rule-at-least-${i}`} class="rule-at-least percent" type="number" value={rule.atLeast}
                         onInput={(e) => change(i, { atLeast: e.currentTarget.value })} />
                  <label for={`rule-days-${i}`}>{t('segment_within_days')}</label>
                  <input id={`rule-days-${i}`} class="rule-days percent" type="number" value={rule.withinDays}
                         onInput={(e) => change(i, { withinDays: e.currentTarget.value })} />
                </>}
                <button type="button" class="link remove-rule" disabled={rules.length === 1}
                        onClick={() => { setRules(rules.filter((_, j) => j !== i)); setOutcomes([]); setWhole(null); }}>{t('segment_remove_rule')}</button>
              </fieldset>
              {outcome && 'problem' in outcome && <p class="error rule-error" role="alert">{outcome.problem}</p>}
              {outcome && 'matching' in outcome && <p class="muted rule-count">{t('segment_rule_matching', { count: outcome.matching })}</p>}
            </li>
          );
        })}
      </ol>
      <div class="inline">
        <button type="button" id="add-rule" onClick={() => { setRules([...rules, blank()]); setWhole(null); }}>{t('segment_add_rule')}</button>
        <button type="button" id="preview-segment" class="primary" onClick={preview}>{t('segment_preview')}</button>
      </div>
      <p id="segment-preview" role="status" aria-live="polite">
        {whole && ('matching' in whole ? t('segment_matching', { count: whole.matching }) : whole.problem)}
      </p>
      <form class="inline" onSubmit={save}>
        <label for="segment-name">{t('segment_name')}</label>
        <input id="segment-name" maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" id="save-segment" disabled={seen !== ruleText() || !name.trim()}>{t('segment_save')}</button>
      </form>
      <p id="segment-status" role="status" aria-live="polite">{status}</p>
      <table id="segments">
        <thead><tr><th scope="col">{t('segment_name')}</th><th scope="col">{t('segment_members')}</th><th scope="col">{t('segment_rule_json')}</th></tr></thead>
        <tbody>
          {segments.map((s) => <tr key={s.id}><td>{s.name}</td><td>{s.memberCount}</td><td><code>{s.rule}</code></td></tr>)}
        </tbody>
      </table>
    </div>
  );
}
