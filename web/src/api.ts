// One GraphQL request: POST /graphql with the customer's token and language.
import type { TypedDocumentString } from './generated/graphql';
import { locale } from './i18n';

const TOKEN = 'superapp.accessToken'; // the container (static/container.js) reads the same key

export function token(): string | null {
  return localStorage.getItem(TOKEN);
}

export function setToken(value: string | null): void {
  if (value === null) localStorage.removeItem(TOKEN);
  else localStorage.setItem(TOKEN, value);
}

/** The request did not get an answer from the schema: the network, or a session that ended. */
export class RequestFailed extends Error {
  constructor(message: string, readonly signedOut = false) {
    super(message);
  }
}

export async function gql<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'accept-language': locale() };
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST', headers, body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new RequestFailed('network');
  }
  const answer = (await response.json().catch(() => ({}))) as {
    data?: R | null; errors?: { message: string; extensions?: { code?: string } }[];
  };
  const code = answer.errors?.[0]?.extensions?.code;
  if (response.status === 401 || code === 'UNAUTHENTICATED' || code === 'INVALID_TOKEN') {
    setToken(null);
    throw new RequestFailed(answer.errors?.[0]?.message ?? 'signed out', true);
  }
  if (!answer.data) throw new RequestFailed(answer.errors?.[0]?.message ?? `HTTP ${response.status}`);
  return answer.data;
}

/** A fresh random key, for a payment's idempotency or a device's id. */
export function randomKey(bytes = 16): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function deviceId(): string {
  let id = localStorage.getItem('superapp.deviceId');
  if (!id) {
    id = `h5-${randomKey(12)}`;
    localStorage.setItem('superapp.deviceId', id);
  }
  return id;
}
