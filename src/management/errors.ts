import type { FieldError } from '../config/field-errors.js';

/**
 * A refusal of the management plane, with the admin reason code the API answers with. The admin
 * layer turns it into problem+json; the domain code stays free of HTTP.
 */
export class ManagementError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly errors?: readonly FieldError[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(detail);
    this.name = 'ManagementError';
  }
}

export const notFound = (what: string, id: string) => new ManagementError('admin.not_found', `No ${what} ${JSON.stringify(id)} (or it is not visible to you).`);
export const forbidden = (why: string) => new ManagementError('admin.forbidden', why);
export const invalidState = (why: string) => new ManagementError('admin.invalid_state', why);
export const invalid = (path: string, message: string) => new ManagementError('admin.invalid_request', `${path}: ${message}`, [{ path, message }]);
