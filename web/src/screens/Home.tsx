// The signed-in customer's accounts, and paying someone by phone with the PIN typed in a sheet
// for that payment alone.
import { useEffect, useState } from 'preact/hooks';

import { gql, randomKey, setToken } from '../api';
import { type AccountsQuery, AccountsDocument, PayCustomerDocument } from '../generated/graphql';
import { fenOf, t, yuan } from '../i18n';
import { PinSheet } from './PinSheet';

type Account = AccountsQuery['accounts'][number];

function kindName(account: Account): string {
  switch (account.kind) {
    case 'CLASS_ONE': return t('kind_class_one');
    case 'CLASS_TWO': return t('kind_class_two');
    case 'ENTERPRISE': return t('kind_enterprise');
    case 'MERCHANT': return t('kind_merchant');
    default: return account.name;
  }
}

export function Home({ onSignOut, onFailure }: { onSignOut: () => void; onFailure: (error: unknown) => void }) {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [phone, setPhone] = useState('');
  const [toPhone, setToPhone] = useState('');
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [asking, setAsking] = useState<{ fen: number; key: string } | null>(null);
  const [status, setStatus] = useState('');

  const load = async () => {
    try {
      const answer = await gql(AccountsDocument, {});
      setAccounts(answer.accounts);
      setPhone(answer.me.maskedPhone);
    } catch (error) {
      onFailure(error);
      setStatus(t('network'));
    }
  };
  useEffect(() => { void load(); }, []);

  const start = (event: Event) => {
    event.preventDefault();
    const fen = fenOf(amount);
    if (!/^1\d{10}$/.test(toPhone.trim())) { setStatus(t('to_phone_invalid')); return; }
    if (fen === null) { setStatus(t('amount_invalid')); return; }
    setStatus('');
    setAsking({ fen, key: `h5-${randomKey()}` });
  };

  const pay = async (pin: string) => {
    if (!asking) return;
    const { fen, key } = asking;
    setAsking(null);
    try {
      const answer = (await gql(PayCustomerDocument, {
        input: { toPhone: toPhone.trim(), amount: fen, idempotencyKey: key, pin, memo: memo.trim() },
      })).payCustomer;
      if (answer.__typename === 'PaymentSent') {
        setStatus(t('sent', { amount: yuan(fen), payee: answer.payeeMaskedPhone ?? '' }));
        setAmount('');
        setMemo('');
        await load();
      } else {
        setStatus('message' in answer ? answer.message : t('failed'));
      }
    } catch (error) {
      onFailure(error);
      setStatus(t('network'));
    }
  };

  return (
    <>
      <section class="card" aria-labelledby="accounts-title">
        <div class="row">
          <h2 id="accounts-title">{t('accounts')}</h2>
          <button type="button" class="link" id="sign-out" onClick={() => { setToken(null); onSignOut(); }}>
            {t('sign_out')}
          </button>
        </div>
        <p class="muted" id="who">{phone}</p>
        {accounts === null ? <p>{t('loading')}</p> : (
          <ul id="accounts" class="list">
            {accounts.filter((a) => a.status !== 'CLOSED').map((a) => (
              <li key={a.id} class="account">
                <span class="name">{kindName(a)}</span>
                <span class="number">{a.maskedCardNumber ?? a.accountNumber ?? ''}</span>
                <strong class="balance">{yuan(a.balance)}</strong>
              </li>
            ))}
          </ul>
        )}
      </section>
      <form class="card" id="transfer" onSubmit={start} aria-labelledby="transfer-title">
        <h2 id="transfer-title">{t('transfer')}</h2>
        <label for="to-phone">{t('to_phone')}</label>
        <input id="to-phone" type="tel" inputMode="numeric" maxLength={11} value={toPhone}
               onInput={(e) => setToPhone(e.currentTarget.value)} />
        <label for="amount">{t('amount_yuan')}</label>
        <input id="amount" type="text" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        <label for="memo">{t('memo')}</label>
        <input id="memo" type="text" maxLength={40} value={memo} onInput={(e) => setMemo(e.currentTarget.value)} />
        <button id="transfer-next" type="submit" class="primary">{t('next')}</button>
        <p id="transfer-status" role="status" aria-live="polite">{status}</p>
      </form>
      {asking && (
        <PinSheet purpose={t('pin_purpose', { amount: yuan(asking.fen), payee: toPhone.trim() })}
                  onPin={pay} onCancel={() => setAsking(null)} />
      )}
    </>
  );
}

