// The signed-in customer's accounts with their postings, paying someone by phone, and topping
// up from the bound card; a PIN is typed in a sheet for each payment alone.
import { useEffect, useState } from 'preact/hooks';

import { gql, randomKey } from '../api';
import { type AccountsQuery, AccountsDocument, PayCustomerDocument, TopUpDocument } from '../generated/graphql';
import { fenOf, t, yuan } from '../i18n';
import { PinSheet } from './PinSheet';
import { Transactions } from './Transactions';

type Account = AccountsQuery['accounts'][number];
// A payment waiting for its PIN: what the sheet says, what runs with the PIN, where its answer shows.
type Asking = { purpose: string; run: (pin: string) => Promise<string>; show: (said: string) => void };

function kindName(account: Account): string {
  switch (account.kind) {
    case 'CLASS_ONE': return t('kind_class_one');
    case 'CLASS_TWO': return t('kind_class_two');
    case 'ENTERPRISE': return t('kind_enterprise');
    case 'MERCHANT': return t('kind_merchant');
    default: return account.name;
  }
}

export function Accounts({ onFailure, onOpen }: { onFailure: (error: unknown) => void; onOpen: () => void }) {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [phone, setPhone] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [toPhone, setToPhone] = useState('');
  const [amount, setAmount] = useState('');
  const [memo, setMemo] = useState('');
  const [topUp, setTopUp] = useState('');
  const [asking, setAsking] = useState<Asking | null>(null);
  const [status, setStatus] = useState('');
  const [topUpStatus, setTopUpStatus] = useState('');

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

  const withPin = (purpose: string, run: (pin: string) => Promise<string>, show: (said: string) => void) => {
    show('');
    setAsking({ purpose, run, show });
  };

  const startTransfer = (event: Event) => {
    event.preventDefault();
    const fen = fenOf(amount);
    if (!/^1\d{10}$/.test(toPhone.trim())) { setStatus(t('to_phone_invalid')); return; }
    if (fen === null) { setStatus(t('amount_invalid')); return; }
    const key = `h5-${randomKey()}`; // one payment: a retry of it reuses the key
    withPin(t('pin_purpose', { amount: yuan(fen), payee: toPhone.trim() }), async (pin) => {
      const answer = (await gql(PayCustomerDocument, {
        input: { toPhone: toPhone.trim(), amount: fen, idempotencyKey: key, pin, memo: memo.trim() },
      })).payCustomer;
      if (answer.__typename !== 'PaymentSent') return 'message' in answer ? answer.message : t('failed');
      setAmount('');
      setMemo('');
      return t('sent', { amount: yuan(fen), payee: answer.payeeMaskedPhone ?? '' });
    }, setStatus);
  };

  const card = accounts?.find((a) => a.kind === 'CLASS_ONE' && a.status === 'ACTIVE');
  const startTopUp = (event: Event) => {
    event.preventDefault();
    const fen = fenOf(topUp);
    if (fen === null) { setTopUpStatus(t('amount_invalid')); return; }
    const key = `h5-${randomKey()}`;
    withPin(t('top_up_purpose', { amount: yuan(fen), card: card?.maskedCardNumber ?? '' }), async (pin) => {
      const answer = (await gql(TopUpDocument, {
        input: { amount: fen, idempotencyKey: key, pin, cardAccountId: card?.id ?? null },
      })).topUp;
      if (answer.__typename !== 'CardMovementStarted') return 'message' in answer ? answer.message : t('failed');
      setTopUp('');
      return answer.movement.status === 'SUCCEEDED' ? t('top_up_done', { amount: yuan(fen) })
        : answer.movement.status === 'PENDING' ? t('top_up_pending', { amount: yuan(fen) })
        : t('top_up_declined');
    }, setTopUpStatus);
  };

  const answered = async (pin: string) => {
    const current = asking;
    setAsking(null);
    if (!current) return;
    try {
      current.show(await current.run(pin));
      await load();
    } catch (error) {
      onFailure(error);
      current.show(t('network'));
    }
  };

  return (
    <>
      <section class="card" aria-labelledby="accounts-title">
        <h2 id="accounts-title">{t('accounts')}</h2>
        <p class="muted" id="who">{phone}</p>
        {accounts === null ? <p>{t('loading')}</p> : (
          <ul id="accounts" class="list">
            {accounts.filter((a) => a.status !== 'CLOSED').map((a) => (
              <li key={a.id} class="account">
                <span class="name">{kindName(a)}</span>
                <span class="number">{a.maskedCardNumber ?? a.accountNumber ?? ''}</span>
                <strong class="balance">{yuan(a.balance)}</strong>
                {a.kind !== 'CLASS_ONE' && (
                  <button type="button" class="link details" aria-expanded={open === a.id}
                          onClick={() => setOpen(open === a.id ? null : a.id)}>
                    {open === a.id ? t('hide_details') : t('details')}
                  </button>
                )}
                {open === a.id && <Transactions accountId={a.id} onFailure={onFailure} />}
              </li>
            ))}
          </ul>
        )}
      </section>
      {accounts && !accounts.some((a) => a.kind === 'CLASS_TWO' && a.status !== 'CLOSED') && (
        <section class="card banner" id="opening-invite" aria-labelledby="opening-invite-title">
          <h2 id="opening-invite-title">{t('opening_invite_title')}</h2>
          <p>{t('opening_invite_body')}</p>
          <button type="button" id="opening-open" class="primary" onClick={onOpen}>{t('opening_invite_button')}</button>
        </section>
      )}
      <form class="card" id="transfer" onSubmit={startTransfer} aria-labelledby="transfer-title">
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
      <form class="card" id="top-up" onSubmit={startTopUp} aria-labelledby="top-up-title">
        <h2 id="top-up-title">{t('top_up')}</h2>
        {card ? (
          <>
            <p class="muted">{t('top_up_from', { card: card.maskedCardNumber ?? '' })}</p>
            <label for="top-up-amount">{t('amount_yuan')}</label>
            <input id="top-up-amount" type="text" inputMode="decimal" value={topUp}
                   onInput={(e) => setTopUp(e.currentTarget.value)} />
            <button id="top-up-next" type="submit" class="primary">{t('next')}</button>
          </>
        ) : <p class="muted">{t('no_card')}</p>}
        <p id="top-up-status" role="status" aria-live="polite">{topUpStatus}</p>
      </form>
      {asking && <PinSheet purpose={asking.purpose} onPin={answered} onCancel={() => setAsking(null)} />}
    </>
  );
}
