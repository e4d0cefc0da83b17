// Operators find a customer's accounts by phone or by one account's number (numbers and phone
// come back masked; the look-up is audited) and freeze or unfreeze one, always with a reason.
import { useState } from 'preact/hooks';

import { gql } from '../api';
import {
  type AccountKind, type AccountStatus, type OperatorCustomerAccountsQuery, OperatorCustomerAccountsDocument,
  OperatorSetFrozenDocument,
} from '../generated/graphql';
import { locale, t } from '../i18n';
import { said, when } from './OperatorDecision';

type Found = Extract<OperatorCustomerAccountsQuery['customerAccounts'], { __typename: 'CustomerAccounts' }>['accounts'];
type By = 'phone' | 'accountNumber';

function kindName(kind: AccountKind): string {
  switch (kind) {
    case 'CLASS_ONE': return t('kind_class_one');
    case 'CLASS_TWO': return t('kind_class_two');
    default: return kind;
  }
}

function statusName(status: AccountStatus): string {
  switch (status) {
    case 'ACTIVE': return t('account_active');
    case 'FROZEN': return t('account_frozen');
    case 'CLOSED': return t('account_closed');
  }
}

export function OperatorAccounts() {
  const [by, setBy] = useState<By>('phone');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found | null>(null);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [status, setStatus] = useState('');

  const search = async () => {
    const answer = (await gql(OperatorCustomerAccountsDocument, by === 'phone' ? { phone: query.trim(), accountNumber: null } : { phone: null, accountNumber: query.trim() })).customerAccounts;
    if (answer.__typename === 'CustomerAccounts') {
      setFound(answer.accounts);
      setStatus(answer.accounts.length ? '' : t('accounts_none'));
    } else {
      setFound(null);
      setStatus(answer.message);
    }
  };

  const change = async (id: string, frozen: boolean) => {
    const answer = (await gql(OperatorSetFrozenDocument, { id, frozen, reason: (reasons[id] ?? '').trim() })).setAccountFrozen;
    setStatus(said(answer, frozen ? t('account_now_frozen') : t('account_now_active')));
    setReasons({ ...reasons, [id]: '' });
    if (answer.__typename === 'AccountUpdated') {  // shown from the answer: searching again would be another look-up
      const { status } = answer.account;
      setFound((found ?? []).map((a) => (a.id === id ? { ...a, status } : a)));
    }
  };

  return (
    <section class="card" aria-labelledby="accounts-title">
      <h2 id="accounts-title">{t('customer_accounts')}</h2>
      <form class="inline" onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <label for="account-by">{t('find_by')}</label>
        <select id="account-by" value={by} onChange={(e) => setBy(e.currentTarget.value as By)}>
          <option value="phone">{t('by_phone')}</option>
          <option value="accountNumber">{t('by_account_number')}</option>
        </select>
        <label for="account-query">{by === 'phone' ? t('by_phone') : t('by_account_number')}</label>
        <input id="account-query" inputMode="numeric" maxLength={32} value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="submit" id="find-accounts" class="primary" disabled={!query.trim()}>{t('find')}</button>
      </form>
      {found && found.length > 0 && (
        <table id="customer-accounts">
          <thead>
            <tr><th>{t('account')}</th><th>{t('owner_phone')}</th><th>{t('state')}</th><th>{t('actions')}</th></tr>
          </thead>
          <tbody>
            {found.map((a) => (
              <tr key={a.id} data-id={a.id}>
                <td>{kindName(a.kind)} {a.maskedAccountNumber ?? a.maskedCardNumber ?? ''}
                  <br /><span class="muted">{t('opened_at', { at: when(a.createdAt, locale()) })}</span></td>
                <td>{a.maskedOwnerPhone}</td>
                <td class="status">{statusName(a.status)}</td>
                <td>
                  {a.status !== 'CLOSED' && (
                    <div class="inline">
                      <label for={`freeze-reason-${a.id}`}>{t('decision_reason')}</label>
                      <input id={`freeze-reason-${a.id}`} class="reason" maxLength={200} value={reasons[a.id] ?? ''}
                             onInput={(e) => setReasons({ ...reasons, [a.id]: e.currentTarget.value })} />
                      <button type="button" class={a.status === 'FROZEN' ? 'unfreeze' : 'freeze primary'}
                              disabled={!(reasons[a.id] ?? '').trim()}
                              onClick={() => change(a.id, a.status !== 'FROZEN')}>
                        {a.status === 'FROZEN' ? t('unfreeze') : t('freeze')}
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p id="accounts-status" role="status" aria-live="polite">{status}</p>
    </section>
  );
}
