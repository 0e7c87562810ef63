/**
 * HTTP routes for the responsibility list (权责清单): read within your jurisdiction, change as
 * an admin inside it, and ask which unit the list gives for a category at a place.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { categoryRoutes } from '../categories/routes.ts';
import { allow, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { CalendarDate, problems } from '../http/schemas.ts';
import * as service from './service.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const TierSchema = Type.Union([Type.Literal('city'), Type.Literal('district'), Type.Literal('street')]);

const CategoryPattern = Type.String({ pattern: '^[CEH]([0-9]{2}){0,2}$', description: "A category code ('C0101'), a 大类 ('C01') or a whole kind ('C', 'E', 'H')" });
const AreaCode = Type.String({
  pattern: '^([0-9]{6}|[0-9]{9}|[0-9]{12}|zone-[a-z0-9-]{1,40})$',
  description: "A district, street or community code, a management zone ('zone-gxq') or '500000' for the whole city",
});
const UnitRef = Type.String({
  pattern: '^[A-Za-z0-9_-]*(\\{(district|street)\\}[A-Za-z0-9_-]*)*$', minLength: 3, maxLength: 100,
  description: "A unit id ('D-500000-water') or a template filled from the case's place: 'D-{district}-cg', 'C-{district}', 'C-{street}'",
});
const Note = Type.String({ maxLength: 500 });

const RuleSchema = Type.Object({
  id: Type.String(), version: Type.Integer(), categoryPattern: Type.String(), categoryName: Nullable(Type.String()),
  areaCode: Type.String(), unitId: Type.String(), tier: TierSchema,
  validFrom: Type.String({ description: 'First day this version applies' }), validTo: Nullable(Type.String({ description: 'First day it no longer applies' })),
  note: Nullable(Type.String()), createdAt: Type.String({ format: 'date-time' }), createdBy: Nullable(Type.String()),
});
const RuleDetailSchema = Type.Object({ ...RuleSchema.properties, versions: Type.Array(RuleSchema) });
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export async function routingRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  // The catalogue the list refers to is served alongside it.
  await app.register(categoryRoutes, { ctx });

  const actor = (request: Parameters<typeof principalOf>[0]) => ({ principal: principalOf(request), requestId: request.id });

  app.get('/responsibility-rules', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['routing'], summary: 'Responsibility list (权责清单): rules whose area lies inside or above your jurisdiction, latest version each', security: SECURED,
      querystring: Type.Object({
        status: Type.Union([Type.Literal('current'), Type.Literal('closed'), Type.Literal('all')], { default: 'current' }),
        category: Type.Optional(CategoryPattern), area: Type.Optional(AreaCode), unitId: Type.Optional(Type.String({ maxLength: 100 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(RuleSchema) }), ...problems(400, 401, 403) },
    },
  }, async (request) => ({ items: await service.listRules(ctx, principalOf(request), request.query as service.RuleFilter) }));

  app.get('/responsibility-rules/resolve', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['routing'], summary: 'The unit the list gives for a category at a point (lon, lat, crs) or in a division (area), as of a date', security: SECURED,
      querystring: Type.Object({
        category: Type.String({ pattern: '^[CEH][0-9]{4}$' }),
        lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })), lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
        crs: Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02')], { default: 'wgs84' }),
        area: Type.Optional(AreaCode), date: Type.Optional(CalendarDate),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          date: Type.String(), category: Type.Object({ code: Type.String(), name: Type.String() }), areaChain: Type.Array(Type.String()),
          gridCode: Nullable(Type.String()), inJurisdiction: Type.Boolean(), rule: Nullable(RuleSchema),
          unitId: Nullable(Type.String({ description: 'Null when no rule applies, or the rule needs a finer place' })),
          triageUnitId: Type.String({ description: 'The district-level center whose triage queue takes cases the list gives no unit for' }),
        }),
        ...problems(400, 401, 403, 404, 422),
      },
    },
  }, async (request) => service.resolve(ctx, principalOf(request), request.query as service.ResolveQuery));

  app.get('/responsibility-rules/:id', {
    preHandler: allow(app, STAFF),
    schema: { tags: ['routing'], summary: 'One rule with its version history', security: SECURED, params: IdParam, response: { 200: RuleDetailSchema, ...problems(401, 403, 404) } },
  }, async (request) => service.getRule(ctx, principalOf(request), (request.params as { id: string }).id));

  app.post('/responsibility-rules', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['routing'], summary: 'Add a rule for an area inside your jurisdiction (a city admin may add city-wide rules)', security: SECURED,
      body: Type.Object({
        categoryPattern: CategoryPattern, areaCode: AreaCode, unitId: UnitRef,
        validFrom: Type.Optional(CalendarDate), note: Type.Optional(Nullable(Note)),
      }, { additionalProperties: false }),
      response: { 201: RuleSchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (request, reply) => reply.status(201).send(await service.createRule(ctx, actor(request), request.body as service.RuleInput)));

  app.patch('/responsibility-rules/:id', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['routing'], summary: 'Change a rule: closes its current version and opens the next (from validFrom, default today)', security: SECURED, params: IdParam,
      body: Type.Object({
        categoryPattern: Type.Optional(CategoryPattern), areaCode: Type.Optional(AreaCode), unitId: Type.Optional(UnitRef),
        validFrom: Type.Optional(CalendarDate), note: Type.Optional(Nullable(Note)),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: RuleSchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => service.updateRule(ctx, actor(request), (request.params as { id: string }).id, request.body as service.RulePatch));

  app.delete('/responsibility-rules/:id', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['routing'], summary: 'Close a rule (its history stays for cases routed by it)', security: SECURED, params: IdParam,
      response: { 204: Type.Null(), ...problems(401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await service.deleteRule(ctx, actor(request), (request.params as { id: string }).id);
    return reply.status(204).send();
  });
}
