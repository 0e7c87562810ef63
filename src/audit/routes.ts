/** Reading and verifying the audit log: city-level admins and supervisors only. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED } from '../http/auth.ts';
import { Problem } from '../http/errors.ts';
import { problems } from '../http/schemas.ts';
import { listAudit, verifyAuditLog } from './store.ts';

const AuditRecordSchema = Type.Object({
  seq: Type.Integer(), chain: Type.Integer({ description: 'Which of the hash chains holds this entry (by entity)' }), chainSeq: Type.Integer(), at: Type.String({ format: 'date-time' }), actor: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(), entityType: Type.String(), entityId: Type.String(), before: Type.Unknown(), after: Type.Unknown(),
  requestId: Type.Union([Type.String(), Type.Null()]), hash: Type.String(),
});

function requireCityTier(request: FastifyRequest): void {
  if (principalOf(request).unit?.tier !== 'city') throw new Problem('CY_FORBIDDEN', 'the audit log is read at the city center');
}

export async function auditRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.get('/audit', {
    preHandler: [allow(app, ['admin', 'supervisor']), async (request) => requireCityTier(request)],
    schema: {
      tags: ['audit'], summary: 'Audit entries, newest first', security: SECURED,
      querystring: Type.Object({
        entityType: Type.Optional(Type.String({ maxLength: 50 })), entityId: Type.Optional(Type.String({ maxLength: 100 })),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }), before: Type.Optional(Type.Integer({ minimum: 1 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AuditRecordSchema) }), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const q = request.query as { entityType?: string; entityId?: string; limit: number; before?: number };
    return { items: await listAudit(ctx.db, { entityType: q.entityType, entityId: q.entityId, limit: q.limit, beforeSeq: q.before }) };
  });

  app.get('/audit/verify', {
    preHandler: [allow(app, ['admin']), async (request) => requireCityTier(request)],
    schema: {
      tags: ['audit'], summary: 'Recompute the hash chain and report any edited, inserted or deleted entry', security: SECURED,
      response: {
        200: Type.Object({
          ok: Type.Boolean(), entries: Type.Integer(),
          faults: Type.Array(Type.Object({ chain: Type.Integer(), seq: Type.Integer(), problem: Type.String(), detail: Type.String() })),
        }),
        ...problems(401, 403),
      },
    },
  }, async () => {
    const result = await verifyAuditLog(ctx.db);
    return { ok: result.faults.length === 0, ...result };
  });
}
