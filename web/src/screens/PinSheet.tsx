// The payment PIN, asked for one payment: six digits, never kept.
import { useEffect, useRef, useState } from 'preact/hooks';

import { t } from '../i18n';

export function PinSheet({ purpose, onPin, onCancel }: { purpose: string; onPin: (pin: string) => void; onCancel: () => void }) {
  const [pin, setPin] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => { input.current?.focus(); }, []);
  return (
    <div class="backdrop">
      <form class="sheet" role="dialog" aria-modal="true" aria-labelledby="pin-title" id="pin-sheet"
            onSubmit={(e) => { e.preventDefault(); if (/^\d{6}$/.test(pin)) onPin(pin); }}>
        <h2 id="pin-title">{t('pin_title')}</h2>
        <p id="pin-purpose">{purpose}</p>
        <label for="pin">{t('pin_label')}</label>
        <input id="pin" ref={input} type="password" inputMode="numeric" autoComplete="off" maxLength={6} value={pin}
               onInput={(e) => setPin(e.currentTarget.value.replace(/\D/g, ''))} />
        <div class="row">
          <button type="button" id="pin-cancel" onClick={onCancel}>{t('cancel')}</button>
          <button type="submit" id="pin-confirm" class="primary" disabled={pin.length !== 6}>{t('pay')}</button>
        </div>
      </form>
    </div>
  );
}
