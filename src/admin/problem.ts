import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemType, PROBLEM_CONTENT_TYPE } from '../core/problem.js';
import type { ReasonTable } from '../core/reasons.js';
import type { FieldError } from '../config/field-errors.js';

/** An admin error with its reason code (and field errors when a body was refused). */
export class AdminError extends Error {
  constructor(readonly code: string, readonly detail: string, readonly errors?: readonly FieldError[], readonly headers?: Record<string, string>) {
    super(detail);
    this.name = 'AdminError';
  }
}

export function sendProblem(reasons: ReasonTable, req: FastifyRequest, reply: FastifyReply, err: AdminError): FastifyReply {
  const reason = reasons.get(err.code) ?? reasons.require('admin.internal_error');
  if (err.headers) void reply.headers(err.headers);
  return reply
    .code(reason.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({
      type: problemType(reason.code),
      title: reason.title,
      status: reason.status,
      detail: err.detail,
      code: reason.code,
      request_id: req.id,
      ...(err.errors ? { errors: err.errors } : {}),
    });
}
