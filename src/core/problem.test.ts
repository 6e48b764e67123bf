import { describe, expect, it } from 'vitest';
import { deny } from './policy.js';
import { buildProblem, problemJson } from './problem.js';

const reason = { code: 'request.invalid_body', status: 400, title: 'Invalid request body', description: '…' };
const policy = { id: 'route:r:request-validation', name: 'request-validation', scope: 'route' as const };

describe('problem errors extension member', () => {
  it('lists the offending fields after the fixed members (RFC 9457 extension member)', () => {
    const errors = [{ in: 'body', pointer: '/items/0/price', message: 'must be >= 0' }];
    const p = buildProblem(reason, 'The request body is invalid.', 'rid', 3, policy, errors);
    expect(Object.keys(p)).toEqual(['type', 'title', 'status', 'detail', 'code', 'policy', 'request_id', 'config_version', 'errors']);
    expect(JSON.parse(problemJson(p).body)).toMatchObject({ errors });
  });

  it('is absent when there are no field errors, so other problems keep their exact shape', () => {
    expect(buildProblem(reason, 'd', 'rid', 1, policy)).not.toHaveProperty('errors');
    expect(buildProblem(reason, 'd', 'rid', 1, policy, [])).not.toHaveProperty('errors');
  });

  it('deny() carries errors only when given', () => {
    expect(deny('x.y', 'd')).not.toHaveProperty('errors');
    expect(deny('x.y', 'd', { errors: [{ in: 'query', pointer: '/limit', message: 'must be integer' }] }).errors).toHaveLength(1);
  });
});
