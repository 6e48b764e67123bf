import type { ReasonDefinition } from './reasons.js';
import type { PolicyRef } from './trace.js';

/**
 * One offending field of a refused request (RFC 9457 §3 extension member `errors`), e.g. a request
 * that fails schema validation: where it is and what is wrong with it.
 */
export interface ProblemFieldError {
  /** Part of the request: `body`, `query`, `header` or `path` (parameter locations as in OpenAPI). */
  readonly in: string;
  /** JSON Pointer (RFC 6901) to the field within that part: `/items/0/price`, `/limit`; `` is the whole part. */
  readonly pointer: string;
  readonly message: string;
}

/** RFC 9457 problem details, with Sluice's extension members. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly policy?: PolicyRef;
  readonly request_id: string;
  readonly config_version: number;
  /** Each offending field, when the denial is about the request's content (absent otherwise). */
  readonly errors?: readonly ProblemFieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Base of the `type` URI: each code has an anchor in docs/errors.md. */
export const PROBLEM_TYPE_BASE = 'https://sluice.dev/errors#';

export function problemType(code: string): string {
  return PROBLEM_TYPE_BASE + code;
}

export function buildProblem(
  reason: ReasonDefinition,
  detail: string,
  requestId: string,
  configVersion: number,
  policy?: PolicyRef,
  errors?: readonly ProblemFieldError[],
): Problem {
  const p: Problem = {
    type: problemType(reason.code),
    title: reason.title,
    status: reason.status,
    detail,
    code: reason.code,
    ...(policy ? { policy: { id: policy.id, name: policy.name, scope: policy.scope } } : {}),
    request_id: requestId,
    config_version: configVersion,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
  return p;
}

/** A rendered error body: the default dialect is problem+json; AI routes use their API's dialect. */
export interface RenderedError {
  readonly contentType: string;
  readonly body: string;
  /** Extra response headers the dialect's clients read (e.g. Anthropic's `request-id`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type ErrorDialect = (problem: Problem) => RenderedError;

export const problemJson: ErrorDialect = (problem) => ({
  contentType: PROBLEM_CONTENT_TYPE,
  body: JSON.stringify(problem),
});

/**
 * Error dialects by name. Routes pick one (`problem` by default); AI routes register the OpenAI and
 * Anthropic shapes so the official SDKs raise their normal typed errors.
 */
export class ErrorDialects {
  private readonly byName = new Map<string, ErrorDialect>([['problem', problemJson]]);

  register(name: string, dialect: ErrorDialect): void {
    this.byName.set(name, dialect);
  }

  get(name: string): ErrorDialect {
    return this.byName.get(name) ?? problemJson;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }
}
