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

type Answer<R> = { data?: R | null; errors?: { message: string; extensions?: { code?: string } }[] };

const hashes = new Map<string, Promise<string | null>>();

/** The operation's sha256 in hex, as web/persisted.mjs registered it at build time; null where the
 * page has no WebCrypto (not a secure context), and the text is sent instead. */
function sha256(text: string): Promise<string | null> {
  let digest = hashes.get(text);
  if (!digest) {
    digest = globalThis.crypto?.subtle
      ? crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(
        (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join(''),
        () => null)
      : Promise.resolve(null);
    hashes.set(text, digest);
  }
  return digest;
}

/** `value` with each File or Blob in it replaced by null, and the files with their paths
 * (`variables.frames.0`), as the GraphQL multipart request spec sends them. */
function withoutFiles(value: unknown, path: string, files: [string, Blob][]): unknown {
  if (value instanceof Blob) {
    files.push([path, value]);
    return null;
  }
  if (Array.isArray(value)) return value.map((item, i) => withoutFiles(item, `${path}.${i}`, files));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, withoutFiles(item, `${path}.${k}`, files)]));
  }
  return value;
}

/** A screen's operation, by its hash alone (the server knows the build's operations and runs
 * their compiled plans); the text follows only if this server does not know the hash. Variables
 * holding files (Upload) go as a multipart request. */
export async function gql<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  const files: [string, Blob][] = [];
  const plain = withoutFiles(variables, 'variables', files);
  const headers: Record<string, string> = { 'accept-language': locale() };
  if (!files.length) headers['content-type'] = 'application/json';
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const query = document.toString();
  const hash = await sha256(query);
  const persisted = hash ? { persistedQuery: { version: 1, sha256Hash: hash } } : undefined;
  const encode = (body: object): BodyInit => {
    if (!files.length) return JSON.stringify(body);
    const form = new FormData();
    form.append('operations', JSON.stringify(body));
    form.append('map', JSON.stringify(Object.fromEntries(files.map(([path], i) => [String(i), [path]]))));
    files.forEach(([, file], i) => form.append(String(i), file, `${i}.jpg`));
    return form;
  };
  const send = async (body: object): Promise<[Response, Answer<R>]> => {
    let response: Response;
    try {
      response = await fetch('/graphql', { method: 'POST', headers, body: encode(body) });
    } catch {
      throw new RequestFailed('network');
    }
    return [response, (await response.json().catch(() => ({}))) as Answer<R>];
  };
  let [response, answer] = await send(persisted ? { variables: plain, extensions: persisted } : { query, variables: plain });
  if (persisted && answer.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') {
    [response, answer] = await send({ query, variables: plain, extensions: persisted });
  }
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
