import type { PolicyDefinition } from '../core/policy.js';
import { apiLifecycle } from './api-lifecycle/index.js';
import { acl } from './acl/index.js';
import { basicAuth } from './basic-auth/index.js';
import { concurrencyLimit } from './concurrency-limit/index.js';
import { cors } from './cors/index.js';
import { ipRestriction } from './ip-restriction/index.js';
import { hmacAuth } from './hmac-auth/index.js';
import { jwt } from './jwt/index.js';
import { keyAuth } from './key-auth/index.js';
import { modelAccess } from './model-access/index.js';
import { multiAuth } from './multi-auth/index.js';
import { oauth2Introspection } from './oauth2-introspection/index.js';
import { quota } from './quota/index.js';
import { rateLimit } from './rate-limit/index.js';
import { requestSize } from './request-size/index.js';
import { requestValidation } from './request-validation/index.js';
import { scopes } from './scopes/index.js';
import { subscription } from './subscription/index.js';
import { uaRestriction } from './ua-restriction/index.js';

/**
 * Every policy kind, one folder each. A test checks that each folder under src/policies is listed
 * here, so adding a policy is: its folder, plus one line below.
 */
export const POLICIES: readonly PolicyDefinition[] = [ipRestriction, requestSize, uaRestriction, acl, scopes, rateLimit, quota, concurrencyLimit, subscription, apiLifecycle, keyAuth, requestValidation, basicAuth, modelAccess, jwt, cors, hmacAuth, oauth2Introspection, multiAuth] as readonly PolicyDefinition[];
