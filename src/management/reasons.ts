import { defineReasons } from '../core/reasons.js';

/** Admin API codes of the management plane (teams, users, APIs, subscriptions, login). */
export const MANAGEMENT_REASONS = defineReasons([
  { code: 'admin.conflict', status: 409, title: 'Already exists', description: 'An id or unique name is already taken (API, consumer, team, user email), or the subscription already exists. Pick another id or read the existing one.' },
  { code: 'admin.invalid_state', status: 409, title: 'Not allowed in this state', description: 'The action does not fit the resource\'s current state: e.g. publishing a retired API, approving a subscription that is not pending, subscribing to a draft or deprecated API. The detail names the state and the allowed transitions.' },
  { code: 'admin.login_failed', status: 401, title: 'Login failed', description: 'Unknown email, wrong password, or a disabled user (one answer for all three, so accounts cannot be probed).' },
  { code: 'admin.login_rate_limited', status: 429, title: 'Too many login attempts', description: 'Too many failed logins for this email or from this address. `Retry-After` says when to try again.' },
  { code: 'admin.csrf_failed', status: 403, title: 'CSRF token missing or wrong', description: 'A write authenticated by the console session cookie must send the session\'s CSRF token in `X-CSRF-Token` (returned by `POST /auth/login`, also in the `sluice_csrf` cookie). API tokens need none.' },
  { code: 'admin.setup_invalid', status: 403, title: 'Setup link invalid', description: 'The one-time setup token is wrong, expired or already used, or an admin user already exists. Issue a new link with `sluice admin setup-link --data DIR`.' },
]);
