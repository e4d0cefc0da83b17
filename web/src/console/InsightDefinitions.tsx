// Tracking definitions: every app's registered events, and registering one (its JSON Schema),
// a refusal shown beside the field it names.
import { useEffect, useState } from 'preact/hooks';

import { gql } from '../api';
import { type InsightDefinitionsQuery, InsightDefinitionsDocument, InsightRegisterEventDocument } from '../generated/graphql';
import { t } from '../i18n';

type Definitions = Extract<InsightDefinitionsQuery['trackingEventDefinitions'], { __typename: 'TrackingEventDefinitions' }>['items'];

export function InsightDefinitions() {
  const [items, setItems] = useState<Definitions | null>(null);
  const [appId, setAppId] = useState('');
  const [name, setName] = useState('');
  const [schema, setSchema] = useState('{"type": "object"}');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');

  const load = async () => {
    const answer = (await gql(InsightDefinitionsDocument, {})).trackingEventDefinitions;
    if (answer.__typename === 'TrackingEventDefinitions') setItems(answer.items);
    else setStatus(answer.message);
  };
  useEffect(() => { void load(); }, []);

  const register = async (event: Event) => {
    event.preventDefault();
    setStatus('');
    let parsed: unknown;
    try {
      parsed = JSON.parse(schema);
    } catch {
      setErrors({ schema: t('insight_schema_not_json') });
      return;
    }
    const answer = (await gql(InsightRegisterEventDocument, { appId: appId.trim(), name: name.trim(), schema: parsed, description })).registerTrackingEvent;
    if (answer.__typename === 'TrackingEventDefinition') {
      setErrors({});
      setStatus(t('insight_event_registered', { name: answer.name }));
      await load();
    } else if (answer.__typename === 'InvalidInput') {
      setErrors({ [answer.field ?? 'form']: answer.message });
    } else {
      setErrors({ appId: answer.message });
    }
  };

  const problem = (field: string) => errors[field] && <p class="error" id={`definition-${field}-error`} role="alert">{errors[field]}</p>;
  return (
    <div id="insight-definitions-screen">
      <h3>{t('insight_definitions')}</h3>
      {items === null ? <p>{t('loading')}</p> : (
        <table id="definitions">
          <thead><tr>
            <th scope="col">{t('insight_app')}</th><th scope="col">{t('insight_event_name')}</th>
            <th scope="col">{t('insight_description')}</th><th scope="col">{t('insight_schema')}</th>
          </tr></thead>
          <tbody>
            {items.map((d) => (
              <tr key={`${d.appId}/${d.name}`} data-event={d.name}>
                <td>{d.appId || t('insight_super_app')}</td><td>{d.name}</td><td>{d.description}</td>
                <td><code>{JSON.stringify(d.schema)}</code></td>
              </tr>
            ))}
            {!items.length && <tr><td colSpan={4} class="muted">{t('insight_no_definitions')}</td></tr>}
          </tbody>
        </table>
      )}
      <form class="stack" onSubmit={register}>
        <label for="definition-app">{t('insight_app_hint')}</label>
        <input id="definition-app" value={appId} onInput={(e) => setAppId(e.currentTarget.value)} />
        {problem('appId')}
        <label for="definition-name">{t('insight_event_name')}</label>
        <input id="definition-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        {problem('name')}
        <label for="definition-description">{t('insight_description')}</label>
        <input id="definition-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        {problem('description')}
        <label for="definition-schema">{t('insight_schema')}</label>
        <textarea id="definition-schema" rows={4} value={schema} onInput={(e) => setSchema(e.currentTarget.value)} />
        {problem('schema')}
        {problem('form')}
        <button type="submit" id="register-event">{t('insight_register_event')}</button>
      </form>
      <p id="definitions-status" role="status" aria-live="polite">{status}</p>
    </div>
  );
}
