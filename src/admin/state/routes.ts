import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseConfigText, toYaml } from '../../config/yaml.js';
import { managementFor } from '../../management/plane.js';
import { applyState, currentState, planStateChange } from '../../management/state-apply.js';
import { ManagementStateSchema } from '../../management/state-schema.js';
import { stateTag, type StateDocument } from '../../management/state.js';
import { actorOf, READ } from '../auth.js';
import type { AdminHost } from '../context.js';
import { AdminError } from '../problem.js';

const StateBody = Type.Object({ management: Type.Optional(ManagementStateSchema) }, { additionalProperties: true, description: 'A state file: the config document (services, routes, consumers, policies, …) plus an optional `management` section.' });

const Plan = Type.Object({
  changes: Type.Array(Type.Object({ op: Type.String(), path: Type.String(), from: Type.Optional(Type.Unknown()), to: Type.Optional(Type.Unknown()) })),
  lines: Type.Array(Type.String({ description: '`+ path: value`, `- path`, `~ path: from → to`.' })),
  tag: Type.String({ description: 'Tag of the state the plan was made against: send it as If-Match to apply exactly this plan.' }),
});

function tagOf(req: FastifyRequest): string | undefined {
  const h = req.headers['if-match'];
  if (h === undefined || h === '*') return undefined;
  return h.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/**
 * The whole state, declaratively (global roles): export it, see what applying a file would change,
 * apply it (one transaction, one recompile; idempotent). Secrets never leave; generated ones are
 * shown once in the apply answer.
 */
export const stateRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function state(app) {
    const m = managementFor(host);
    app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, parseConfigText(body as string, 'body'));
      } catch (err) {
        done(err as Error, undefined);
      }
    });

    app.get('/state', {
      schema: {
        summary: 'The whole state minus secrets (`sluice config export`): the config document plus users, teams, APIs, consumers, subscriptions and webhooks. ETag: its tag.',
        tags: ['state'],
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('yaml')])) }),
        returns: { 200: StateBody },
      },
    }, async (req, reply) => {
      const s = await currentState(m);
      void reply.header('etag', `"${stateTag(s)}"`);
      if ((req.query as { format?: string }).format === 'yaml') return reply.type('application/yaml').send(toYaml(s));
      return s;
    });

    app.post('/state/plan', {
      config: READ,
      schema: { summary: 'What applying this state file would change (nothing is written).', tags: ['state'], body: StateBody, returns: { 200: Plan } },
    }, (req) => planStateChange(m, req.body as StateDocument));

    app.put('/state', {
      schema: {
        summary: 'Apply a state file (`sluice config apply`): sections present are authoritative (users are never removed), absent ones stay. One transaction, one recompile; applying the same file again changes nothing.',
        tags: ['state'],
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'The tag of a plan or export: 412 when the state changed since.' })) }),
        body: StateBody,
        returns: {
          200: Type.Object({
            changed: Type.Boolean(),
            version: Type.Integer({ description: 'Config version now active.' }),
            tag: Type.String(),
            lines: Type.Array(Type.String()),
            secrets: Type.Array(Type.Object({ kind: Type.String(), owner: Type.String(), id: Type.String(), secret: Type.Record(Type.String(), Type.String()) }), { description: 'Generated keys, passwords and webhook secrets: shown this once.' }),
            invitations: Type.Array(Type.Object({ email: Type.String(), reset_token: Type.String() }), { description: 'New users: one-time links to set a password.' }),
          }, { additionalProperties: true }),
        },
      },
    }, async (req, reply) => {
      const body = req.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AdminError('admin.invalid_request', 'The body must be a state document (an object).');
      const r = await applyState(m, actorOf(req), body as StateDocument, { ...(tagOf(req) !== undefined ? { ifMatch: tagOf(req)! } : {}) });
      void reply.header('etag', `"${r.tag}"`).header('cache-control', 'no-store');
      return r;
    });
  };
