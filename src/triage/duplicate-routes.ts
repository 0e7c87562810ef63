/**
 * HTTP routes for duplicate proposals (重复件): the operators' list, confirm (合并) and dismiss.
 * The proposals of one case are also on the case view (GET /cases/:id, duplicateCandidates).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { problems } from '../http/schemas.ts';
import { CaseSchema } from '../cases/routes.ts';
import * as service from './duplicate-service.ts';

const CaseBrief = Type.Object({ id: Type.String(), number: Type.String(), title: Type.String(), status: Type.String() });
const Proposal = Type.Object({
  id: Type.String(), score: Type.Number({ description: 'Text similarity, discounted when categories differ, nudged up when very near in place and time' }),
  similarity: Type.Number({ description: 'Cosine of the two texts (IDF-weighted character 2–3-grams)' }),
  distanceM: Type.Integer(), hoursApart: Type.Number(), proposedAt: Type.String({ format: 'date-time' }),
  case: Type.Object(CaseBrief.properties, { description: 'The newer report, proposed for merging' }),
  candidate: Type.Object(CaseBrief.properties, { description: 'The earlier open case it may repeat (the master on confirm)' }),
});
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export async function duplicateRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.get('/triage/duplicates', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['triage'], summary: 'Undecided duplicate proposals (重复件) in your jurisdiction, newest first', security: SECURED,
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(Proposal) }), ...problems(400, 401, 403) },
    },
  }, async (request) => ({ items: await service.listProposals(ctx, principalOf(request), (request.query as { limit: number }).limit) }));

  app.post('/triage/duplicates/:id/confirm', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['triage'], summary: 'Confirm a duplicate: the case is merged (合并) into the earlier one; answers the merged case', security: SECURED, params: IdParam,
      body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }, { additionalProperties: false })),
      response: { 200: CaseSchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => service.confirmDuplicate(ctx, principalOf(request), request.id, (request.params as { id: string }).id, (request.body as { note?: string } | undefined)?.note));

  app.post('/triage/duplicates/:id/dismiss', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['triage'], summary: 'Dismiss a duplicate proposal (not the same incident); recorded in the audit log', security: SECURED, params: IdParam,
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await service.dismissDuplicate(ctx, principalOf(request), request.id, (request.params as { id: string }).id, (request.body as { reason: string }).reason);
    return reply.status(204).send();
  });
}
