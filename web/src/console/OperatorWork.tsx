// The operator console's work screens, one at a time from a row of tabs: each tab is offered
// only to the roles its fields require (the server refuses the rest in any case). Reviewers:
// account openings and content; operators: content (to read), customers' accounts, the
// reconciliation and the audit log; credit officers: lease financing. Administrators hold every role.
import { useState } from 'preact/hooks';

import { t } from '../i18n';
import { OperatorAccounts } from './OperatorAccounts';
import { OperatorAudit } from './OperatorAudit';
import { OperatorContent } from './OperatorContent';
import { OperatorFinancing } from './OperatorFinancing';
import { OperatorKyc } from './OperatorKyc';
import { OperatorReconciliation } from './OperatorReconciliation';

type Screen = 'kyc' | 'content' | 'financing' | 'accounts' | 'reconciliation' | 'audit';

/** The work screens these roles may use, in tab order. */
export function operatorScreens(roles: ReadonlySet<string>): Screen[] {
  const has = (role: string) => roles.has(role) || roles.has('ADMIN');
  const screens: Screen[] = [];
  if (has('REVIEWER')) screens.push('kyc');
  if (has('REVIEWER') || has('OPERATOR')) screens.push('content');
  if (has('CREDIT_OFFICER')) screens.push('financing');
  if (has('OPERATOR')) screens.push('accounts', 'reconciliation', 'audit');
  return screens;
}

function screenName(screen: Screen): string {
  switch (screen) {
    case 'kyc': return t('kyc_queue');
    case 'content': return t('content_queue');
    case 'financing': return t('financing_queue');
    case 'accounts': return t('customer_accounts');
    case 'reconciliation': return t('reconciliation');
    case 'audit': return t('audit_log');
  }
}

export function OperatorWork({ roles, meId }: { roles: ReadonlySet<string>; meId: string }) {
  const screens = operatorScreens(roles);
  const [open, setOpen] = useState<Screen | null>(screens[0] ?? null);
  if (!open) return null;
  const reviewer = roles.has('REVIEWER') || roles.has('ADMIN');
  return (
    <>
      <nav class="tabs" aria-label={t('operator_work')} id="operator-tabs">
        {screens.map((s) => (
          <button key={s} type="button" id={`tab-${s}`} class={s === open ? 'tab active' : 'tab'} aria-pressed={s === open}
                  onClick={() => setOpen(s)}>{screenName(s)}</button>
        ))}
      </nav>
      {open === 'kyc' && <OperatorKyc />}
      {open === 'content' && <OperatorContent meId={meId} reviewer={reviewer} />}
      {open === 'financing' && <OperatorFinancing />}
      {open === 'accounts' && <OperatorAccounts />}
      {open === 'reconciliation' && <OperatorReconciliation />}
      {open === 'audit' && <OperatorAudit />}
    </>
  );
}
