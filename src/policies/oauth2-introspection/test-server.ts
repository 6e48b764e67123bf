import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';

/**
 * A real RFC 7662 introspection endpoint for tests (a local HTTP server): it authenticates its
 * client (Basic or form), answers from a token table, and counts calls per token.
 */
export interface TestAuthorizationServer {
  readonly url: string;
  /** token → introspection answer (RFC 7662 members). Unknown tokens are `{ active: false }`. */
  readonly tokens: Map<string, Record<string, unknown>>;
  /** token → number of introspection calls. */
  readonly calls: Map<string, number>;
  /** How the client authenticated on the last call (`basic`, `post` or `none`). */
  lastClientAuth: string | undefined;
  /** Answer every call with this status instead (e.g. 500), or delay it. */
  failWith: number | undefined;
  delayMs: number;
  close(): Promise<void>;
}

export async function startAuthorizationServer(client: { id: string; secret: string }): Promise<TestAuthorizationServer> {
  const holder: { up?: TestUpstream } = {};
  const state: TestAuthorizationServer = {
    url: '',
    tokens: new Map(),
    calls: new Map(),
    lastClientAuth: undefined,
    failWith: undefined,
    delayMs: 0,
    close: () => holder.up!.close(),
  };
  const expectedBasic = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
  const up = await startUpstream((req, res, body) => {
    const answer = (status: number, doc: unknown) => {
      const text = JSON.stringify(doc);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const form = new URLSearchParams(body.toString('utf8'));
    const viaForm = form.get('client_id') === client.id && form.get('client_secret') === client.secret;
    const viaBasic = req.headers.authorization === expectedBasic;
    state.lastClientAuth = viaBasic ? 'basic' : viaForm ? 'post' : 'none';
    const reply = () => {
      if (state.failWith !== undefined) return answer(state.failWith, { error: 'server_error' });
      if (req.method !== 'POST' || !req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return answer(400, { error: 'invalid_request' });
      if (!viaBasic && !viaForm) return answer(401, { error: 'invalid_client' });
      const token = form.get('token') ?? '';
      state.calls.set(token, (state.calls.get(token) ?? 0) + 1);
      answer(200, state.tokens.get(token) ?? { active: false });
    };
    if (state.delayMs > 0) setTimeout(reply, state.delayMs);
    else reply();
  });
  holder.up = up;
  Object.defineProperty(state, 'url', { value: `${up.url}/introspect` });
  return state;
}
