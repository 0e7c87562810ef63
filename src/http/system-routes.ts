/** Liveness and readiness for load balancers and orchestrators. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { Problem } from './errors.ts';
import { problems } from './schemas.ts';

export async function systemRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.get('/health', {
    schema: { tags: ['system'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/ready', {
    schema: {
      tags: ['system'], summary: 'Readiness: the database answers and the city model is loaded',
      response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.String(), grids: Type.Integer() }), ...problems(503) },
    },
  }, async () => {
    try {
      await ctx.db.query('select 1');
    } catch {
      throw new Problem('CY_NOT_READY', 'Database does not answer');
    }
    return { status: 'ready' as const, database: ctx.db.kind, grids: ctx.city.gridCount };
  });
}
