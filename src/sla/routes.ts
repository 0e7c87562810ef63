/** HTTP routes for the working calendar and time-limit policies: authorise, validate, delegate. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { Problem } from '../http/errors.ts';
import { CalendarDate, problems } from '../http/schemas.ts';
import * as service from './service.ts';
import type { PolicyVersion, StoredOverride } from './service.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const CalendarDaySchema = Type.Object({
  date: Type.String(), working: Type.Boolean(),
  kind: Type.Union(['workday', 'weekend', 'holiday', 'makeup'].map((k) => Type.Literal(k)), { description: 'workday 工作日 · weekend 休息日 · holiday 节假日 · makeup 调休上班' }),
  name: Nullable(Type.String()),
  source: Type.Union(['rule', 'official', 'override'].map((k) => Type.Literal(k)), { description: 'rule: weekday/weekend · official: State Council schedule (chinese-days) · override: entered here' }),
});

const OverrideKindSchema = Type.Union([Type.Literal('holiday'), Type.Literal('workday')], { description: 'holiday 放假 · workday 上班' });

const OverrideSchema = Type.Object({
  date: Type.String(), kind: OverrideKindSchema, name: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }), updatedBy: Nullable(Type.String()),
});

const UrgencySchema = Type.Union([Type.Literal('normal'), Type.Literal('urgent'), Type.Literal('critical')], { description: 'normal 一般 · urgent 紧急 · critical 特急' });
const BasisSchema = Type.Union([Type.Literal('working'), Type.Literal('clock')], { description: 'working 工作时间 (working periods of working days) · clock 自然时间' });
const Minutes = (description: string) => Type.Integer({ minimum: 1, maximum: 525_600, description });
const CategoryPrefix = Type.String({ pattern: '^[A-Za-z0-9._-]{1,32}$', description: 'Matches category codes starting with it' });
const WarnShare = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Share of the allowance after which to warn, e.g. 0.8' });

const PolicySchema = Type.Object({
  id: Type.String(), version: Type.Integer(), name: Type.String(),
  categoryPrefix: Nullable(Type.String()), urgency: Nullable(UrgencySchema), basis: BasisSchema,
  acceptMinutes: Type.Integer(), handleMinutes: Type.Integer(), verifyMinutes: Type.Integer(), warnShare: Type.Number(),
  active: Type.Boolean(), validFrom: Type.String({ format: 'date-time' }), validTo: Nullable(Type.String({ format: 'date-time' })),
  createdBy: Nullable(Type.String()),
});

const PolicyFields = {
  name: Type.String({ minLength: 1, maxLength: 50 }),
  categoryPrefix: Nullable(CategoryPrefix),
  urgency: Nullable(UrgencySchema),
  basis: BasisSchema,
  acceptMinutes: Minutes('签收 allowance'),
  handleMinutes: Minutes('处置 allowance'),
  verifyMinutes: Minutes('核查 allowance'),
  warnShare: WarnShare,
  active: Type.Boolean(),
};

const DateParam = Type.Object({ date: CalendarDate });
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const overrideOut = (o: StoredOverride) => ({ ...o, updatedAt: o.updatedAt.toISOString() });
const policyOut = (p: PolicyVersion) => ({ ...p, validFrom: p.validFrom.toISOString(), validTo: p.validTo?.toISOString() ?? null });

/** The calendar and the policies are city-wide: only the city center changes them. */
async function requireCityTier(request: FastifyRequest): Promise<void> {
  if (principalOf(request).unit?.tier !== 'city') throw new Problem('CY_FORBIDDEN', 'the working calendar and time limits are set at the city center');
}

const actorOf = (request: FastifyRequest): service.Actor => ({ principal: principalOf(request), requestId: request.id });

export async function slaRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const cityAdmin = [allow(app, ['admin']), requireCityTier];

  app.get('/sla/calendar', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['sla'], summary: 'Working days and days off between two dates (both included), with holiday names', security: SECURED,
      querystring: Type.Object({ from: CalendarDate, to: CalendarDate }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          from: Type.String(), to: Type.String(),
          unknownYears: Type.Array(Type.Integer(), { description: 'Years in the range with no holiday schedule yet: only weekends are off there' }),
          officialYears: Type.Object({ first: Type.Integer(), last: Type.Integer() }, { description: 'Years the packaged State Council schedule covers' }),
          items: Type.Array(CalendarDaySchema),
        }),
        ...problems(400, 401, 403),
      },
    },
  }, async (request) => {
    const q = request.query as { from: string; to: string };
    return service.calendarDays(ctx, q.from, q.to);
  });

  app.put('/sla/calendar/:date', {
    preHandler: cityAdmin,
    schema: {
      tags: ['sla'], summary: 'Make a date a holiday or a working day, over the packaged schedule (city admins)', security: SECURED, params: DateParam,
      body: Type.Object({ kind: OverrideKindSchema, name: Type.String({ minLength: 1, maxLength: 50 }) }, { additionalProperties: false }),
      response: { 200: OverrideSchema, ...problems(400, 401, 403, 422) },
    },
  }, async (request) => {
    const { date } = request.params as { date: string };
    return overrideOut(await service.setCalendarOverride(ctx, actorOf(request), date, request.body as { kind: 'holiday' | 'workday'; name: string }));
  });

  app.delete('/sla/calendar/:date', {
    preHandler: cityAdmin,
    schema: {
      tags: ['sla'], summary: 'Remove the override of a date: the packaged schedule applies again (city admins)', security: SECURED, params: DateParam,
      response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 422) },
    },
  }, async (request, reply) => {
    await service.removeCalendarOverride(ctx, actorOf(request), (request.params as { date: string }).date);
    return reply.status(204).send();
  });

  app.get('/sla/policies', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['sla'], summary: 'Time-limit policies: current versions, or every version with history=true', security: SECURED,
      querystring: Type.Object({ history: Type.Boolean({ default: false }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(PolicySchema) }), ...problems(400, 401, 403) },
    },
  }, async (request) => ({ items: (await service.listPolicies(ctx, { history: (request.query as { history: boolean }).history })).map(policyOut) }));

  app.post('/sla/policies', {
    preHandler: cityAdmin,
    schema: {
      tags: ['sla'], summary: 'Add a time-limit policy for a category prefix and/or urgency (city admins)', security: SECURED,
      body: Type.Object({
        ...PolicyFields,
        categoryPrefix: Type.Optional(PolicyFields.categoryPrefix), urgency: Type.Optional(PolicyFields.urgency), active: Type.Optional(PolicyFields.active),
      }, { additionalProperties: false }),
      response: { 201: PolicySchema, ...problems(400, 401, 403, 409, 422) },
    },
  }, async (request, reply) => {
    const body = request.body as Omit<service.PolicyInput, 'categoryPrefix' | 'urgency'> & { categoryPrefix?: string | null; urgency?: service.PolicyInput['urgency'] };
    const created = await service.createPolicy(ctx, actorOf(request), { ...body, categoryPrefix: body.categoryPrefix ?? null, urgency: body.urgency ?? null });
    return reply.status(201).send(policyOut(created));
  });

  app.patch('/sla/policies/:id', {
    preHandler: cityAdmin,
    schema: {
      tags: ['sla'], summary: 'Change a policy: adds a new version; clocks already running keep theirs (city admins)', security: SECURED, params: IdParam,
      body: Type.Partial(Type.Object(PolicyFields), { additionalProperties: false, minProperties: 1 }),
      response: { 200: PolicySchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => policyOut(await service.updatePolicy(ctx, actorOf(request), (request.params as { id: string }).id, request.body as service.PolicyPatch)));
}
