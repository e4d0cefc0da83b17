// What the app says comes from the server's one message catalogue (infra/messages/h5.toml, or
// console.toml for the consoles), fetched from GET /i18n/<namespace> in the chosen language:
// Simplified Chinese unless English is picked.
export type Locale = 'zh-CN' | 'en';

let namespaces = ['h5'];

/** Which catalogue namespaces this page speaks from, later ones winning (the consoles add "console"). */
export function speakFrom(...names: string[]): void {
  namespaces = names;
}

let messages: Record<string, string> = {};
let current: Locale = localStorage.getItem('superapp.locale') === 'en' ? 'en' : 'zh-CN';

export function locale(): Locale {
  return current;
}

export async function loadMessages(wanted: Locale = current): Promise<void> {
  const answers = await Promise.all(namespaces.map(async (name) => {
    const response = await fetch(`/i18n/${name}`, { headers: { 'accept-language': wanted } });
    return (await response.json()) as { locale: string; messages: Record<string, string> };
  }));
  messages = Object.assign({}, ...answers.map((a) => a.messages));
  current = wanted;
  localStorage.setItem('superapp.locale', wanted);
  document.documentElement.lang = answers[0].locale;
}

/** The message `key` with its {placeholders} filled in, as Python's str.format does. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const template = messages[key] ?? key;
  return template.replace(/\{\{|\}\}|\{(\w+)\}/g, (match, name?: string) =>
    name === undefined ? match.charAt(0) : name in params ? String(params[name]) : match);
}

export function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}

/** "12.5" or "12.50" yuan as 1250 fen; null for anything that is not a positive amount to the fen. */
export function fenOf(text: string): number | null {
  const found = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!found) return null;
  const fen = Number(found[1]) * 100 + Number((found[2] ?? '').padEnd(2, '0'));
  return fen > 0 ? fen : null;
}
