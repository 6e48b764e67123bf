import type { Logger } from 'pino';
import type { AdminToken, ManagementTables, User } from '../store/management/index.js';
import { newId } from '../store/management/index.js';
import { ManagementError } from './errors.js';
import { LoginLimiter } from './login-limiter.js';
import { DUMMY_HASH, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { isRole, superPrincipal, type Principal, type Role } from './roles.js';
import { randomToken, safeEqual, sha256 } from './secrets.js';

export const SESSION_COOKIE = 'sluice_session';
export const CSRF_COOKIE = 'sluice_csrf';
export const TOKEN_PREFIX = 'sluice_pat_';
const SESSION_TTL = 12 * 3600_000;
const SESSION_IDLE = 2 * 3600_000;
const SETUP_TTL = 24 * 3600_000;
const SETUP_META = 'admin.setup_token';

export interface AuthRequest {
  readonly method: string;
  readonly authorization?: string;
  readonly cookie?: string;
  readonly csrf?: string;
  /** TCP peer. */
  readonly remote: string;
  readonly host?: string;
  readonly origin?: string;
}

export interface AuthOptions {
  readonly mode: 'required' | 'local';
  readonly bootstrapToken?: string;
}

function cookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

const LOOPBACK_PEER = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The admin request comes from the admin host itself, not through a browser on another site:
 * loopback peer, a loopback Host (defeats DNS rebinding) and no foreign Origin (defeats CSRF).
 */
export function isLocalRequest(r: AuthRequest): boolean {
  if (!LOOPBACK_PEER.test(r.remote)) return false;
  if (r.host !== undefined && !LOOPBACK_HOST.test(r.host)) return false;
  if (r.origin === undefined) return true;
  try {
    return LOOPBACK_HOST.test(new URL(r.origin).host);
  } catch {
    return false; // includes the opaque origin "null"
  }
}

/**
 * Admin authentication: console sessions (HttpOnly cookie + CSRF token), API tokens for automation
 * (stored as SHA-256), the optional bootstrap token, and the local operator in `local` mode.
 * Passwords are scrypt; logins are rate-limited; every comparison of a secret is constant-time.
 */
export class AdminAuth {
  readonly limiter = new LoginLimiter();

  constructor(private readonly tables: ManagementTables, private readonly log: Logger, readonly options: AuthOptions) {}

  /** The principal of a request; undefined when it carries no credential; throws when one is invalid. */
  async authenticate(r: AuthRequest): Promise<Principal | undefined> {
    const auth = r.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (!m) throw unauthorized('Send an API token as "Authorization: Bearer <token>".');
      return this.byToken(m[1]!);
    }
    const sid = cookies(r.cookie).get(SESSION_COOKIE);
    if (sid) return this.bySession(sid, r);
    if (this.options.mode === 'local' && isLocalRequest(r)) return superPrincipal('local');
    return undefined;
  }

  private async byToken(token: string): Promise<Principal> {
    const boot = this.options.bootstrapToken;
    if (boot && safeEqual(token, boot)) return superPrincipal('bootstrap');
    if (!token.startsWith(TOKEN_PREFIX)) throw unauthorized('The bearer token is not valid.');
    const t = await this.tables.users.tokenByHash(sha256(token));
    const now = Date.now();
    if (!t) throw unauthorized('The bearer token is not valid.');
    if (t.expiresAt !== undefined && t.expiresAt <= now) throw unauthorized('The API token has expired.');
    const user = await this.tables.users.get(t.userId);
    if (!user || user.disabled) throw unauthorized('The bearer token is not valid.');
    if (!t.lastUsedAt || now - t.lastUsedAt > 60_000) await this.tables.users.touchToken(t.id, now);
    return this.principalFor(user, t);
  }

  private async bySession(sid: string, r: AuthRequest): Promise<Principal> {
    const hash = sha256(sid);
    const s = await this.tables.users.sessionByHash(hash);
    const now = Date.now();
    if (!s || s.expiresAt <= now || now - s.lastSeenAt > SESSION_IDLE) {
      if (s) await this.tables.users.deleteSession(hash);
      throw unauthorized('The console session has expired; log in again.');
    }
    if (UNSAFE.has(r.method.toUpperCase()) && !(r.csrf && safeEqual(sha256(r.csrf), s.csrfHash))) {
      throw new ManagementError('admin.csrf_failed', 'Send the CSRF token of your session in X-CSRF-Token.');
    }
    const user = await this.tables.users.get(s.userId);
    if (!user || user.disabled) throw unauthorized('The console session is no longer valid.');
    if (now - s.lastSeenAt > 60_000) await this.tables.users.touchSession(hash, now);
    return this.principalFor(user);
  }

  async principalFor(user: User, token?: AdminToken): Promise<Principal> {
    const teams = new Map<string, Role>();
    for (const m of await this.tables.teams.membershipsOf(user.id)) if (isRole(m.role)) teams.set(m.teamId, m.role);
    return {
      kind: token ? 'token' : 'user',
      userId: user.id,
      name: token ? `${user.email} (token ${token.name})` : user.email,
      ...(isRole(user.role) ? { globalRole: user.role } : {}),
      teams,
      ...(token && isRole(token.role) ? { cap: token.role } : {}),
      ...(token ? { tokenId: token.id } : {}),
    };
  }

  /** Email + password → a new session. One answer for unknown user, wrong password, disabled. */
  async login(emailRaw: string, password: string, ip: string): Promise<{ session: string; csrf: string; user: User; expiresAt: number }> {
    const email = emailRaw.trim().toLowerCase();
    const wait = this.limiter.retryAfter(email, ip);
    if (wait > 0) throw new ManagementError('admin.login_rate_limited', `Too many failed logins; try again in ${wait} seconds.`, undefined, { 'retry-after': String(wait) });
    const user = await this.tables.users.byEmail(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled || !user.passwordHash) {
      this.limiter.failed(email, ip);
      this.log.info({ ip, known: user !== undefined }, 'admin login failed');
      throw new ManagementError('admin.login_failed', 'Wrong email or password.');
    }
    this.limiter.succeeded(email);
    const session = randomToken('', 32);
    const csrf = randomToken('', 24);
    const now = Date.now();
    await this.tables.users.insertSession({ idHash: sha256(session), userId: user.id, csrfHash: sha256(csrf), createdAt: now, expiresAt: now + SESSION_TTL, lastSeenAt: now, ip });
    await this.tables.users.update(user.id, { lastLoginAt: now });
    await this.tables.users.deleteExpiredSessions(now);
    return { session, csrf, user, expiresAt: now + SESSION_TTL };
  }

  async logout(cookieHeader: string | undefined): Promise<void> {
    const sid = cookies(cookieHeader).get(SESSION_COOKIE);
    if (sid) await this.tables.users.deleteSession(sha256(sid));
  }

  /** A new API token for a user: the token is returned once, only its hash is stored. */
  async createToken(userId: string, o: { name: string; role?: Role; expiresAt?: number }, tables: ManagementTables = this.tables): Promise<{ token: string; record: AdminToken }> {
    const token = randomToken(TOKEN_PREFIX);
    const record = await tables.users.insertToken({ id: newId('tok'), userId, name: o.name, tokenHash: sha256(token), ...(o.role ? { role: o.role } : {}), ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}) });
    return { token, record };
  }

  /**
   * First start: an owner from SLUICE_ADMIN_EMAIL/SLUICE_ADMIN_PASSWORD, or a one-time setup token
   * (returned so the caller can print it once; never logged). Nothing when a user exists.
   */
  async bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<{ created?: string; setupToken?: string }> {
    if ((await this.tables.users.count()) > 0) return {};
    const email = env['SLUICE_ADMIN_EMAIL']?.trim();
    const password = env['SLUICE_ADMIN_PASSWORD'];
    if (email && password) {
      const problem = passwordProblem(password, email);
      if (problem) throw new Error(`SLUICE_ADMIN_PASSWORD ${problem}`);
      await this.tables.users.insert({ id: newId('usr'), email, role: 'owner', passwordHash: await hashPassword(password) });
      await this.tables.audit.insert({ actor: { type: 'bootstrap', name: 'SLUICE_ADMIN_EMAIL' }, action: 'user.create', resource: { type: 'user' }, after: { email, role: 'owner' } });
      return { created: email };
    }
    if (await this.tables.getMeta(SETUP_META)) return {};
    return { setupToken: await this.issueSetupToken() };
  }

  /** A new one-time setup token (replaces any earlier one), valid 24 hours. */
  async issueSetupToken(): Promise<string> {
    const token = randomToken('setup_', 24);
    await this.tables.setMeta(SETUP_META, JSON.stringify({ hash: sha256(token), expires: Date.now() + SETUP_TTL }));
    return token;
  }

  /** Redeems the setup token: creates the first owner. */
  async setup(token: string, u: { email: string; password: string; name?: string }): Promise<User> {
    const raw = await this.tables.getMeta(SETUP_META);
    const rec = raw ? (JSON.parse(raw) as { hash: string; expires: number; used?: boolean }) : undefined;
    const valid = rec !== undefined && !rec.used && rec.expires > Date.now() && safeEqual(sha256(token), rec.hash);
    if (!valid || (await this.tables.users.count()) > 0) throw new ManagementError('admin.setup_invalid', 'The setup link is invalid, expired or already used.');
    const problem = passwordProblem(u.password, u.email);
    if (problem) throw new ManagementError('admin.invalid_request', `password ${problem}`, [{ path: 'password', message: problem }]);
    const user = await this.tables.users.insert({ id: newId('usr'), email: u.email, ...(u.name ? { name: u.name } : {}), role: 'owner', passwordHash: await hashPassword(u.password) });
    await this.tables.setMeta(SETUP_META, JSON.stringify({ ...rec, used: true }));
    return user;
  }
}

function unauthorized(detail: string): ManagementError {
  return new ManagementError('admin.unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="sluice-admin"' });
}
