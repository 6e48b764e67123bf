import { defineReasons } from '../core/reasons.js';

/** Reasons of the admin API (problem+json on the admin listener). */
export const ADMIN_REASONS = defineReasons([
  { code: 'admin.invalid_request', status: 400, title: 'Invalid admin request', description: 'The request body or parameters do not match the endpoint\'s schema; `errors` names each field.' },
  { code: 'admin.invalid_config', status: 422, title: 'Invalid config', description: 'The config was refused whole; `errors` lists every field path and why. Nothing changed.' },
  { code: 'admin.not_found', status: 404, title: 'Not found', description: 'The requested admin resource does not exist (or is not visible to you).' },
  { code: 'admin.unauthorized', status: 401, title: 'Admin authentication required', description: 'The admin API needs a valid session or token.' },
  { code: 'admin.forbidden', status: 403, title: 'Not allowed', description: 'Your role does not allow this action.' },
  { code: 'admin.precondition_failed', status: 412, title: 'Stale write', description: 'The `If-Match` version is not the current one: someone changed it since you read it. Read again and retry.' },
  { code: 'admin.config_file_managed', status: 409, title: 'Config is managed by a file', description: 'Sluice runs from `--config FILE` (declarative mode): change the file and reload (SIGHUP or POST /config/reload).' },
  { code: 'admin.internal_error', status: 500, title: 'Internal admin error', description: 'A bug in the admin API; the request id leads to the log line.' },
]);
