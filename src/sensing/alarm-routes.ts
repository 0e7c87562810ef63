/** HTTP routes of lifeline alarms (告警), their rules (告警规则) and the city's vital signs (城市体征). */
import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { notFound, Problem } from '../http/errors.ts';
import { DivisionCode, problems } from '../http/schemas.ts';
import { jurisdictionOf } from '../org/jurisdiction.ts';
import { SENSOR_TYPE_CODES } from './model.ts';
import * as alarms from './alarms/service.ts';
import { LEVELS, RULE_KINDS } from './rules/model.ts';
import * as rules from './rules/service.ts';
import { getRule, listRules, ruleVersions } from './rules/store.ts';
import { computeVitalSigns } from './vital-signs.ts';
import { snapshotSeries } from './vital-signs-store.ts';

const literals = (values: readonly string[], description?: string) => Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});
const Nullable = (t: TSchema) => Type.Union([t, Type.Null()]);
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Note = Type.String({ minLength: 1, maxLength: 2000 });
const Level = literals(LEVELS, '蓝 blue · 黄 yellow · 橙 orange · 红 red');
const Iso = Type.String({ format: 'date-time' });

const AlarmSchema = Type.Object({
  id: Type.String(), ruleKey: Type.String({ description: '<sensor type>.<kind>' }), kind: literals(RULE_KINDS), subjectType: literals(['sensor', 'asset']),
  subjectId: Type.String(), sensorId: Nullable(Type.String()), sensorType: Type.String(), assetId: Nullable(Type.String()), level: Level, peakLevel: Level,
  state: literals(['active', 'cleared']), acknowledgedAt: Nullable(Type.String()), acknowledgedBy: Nullable(Type.String()),
  assigneeUserId: Nullable(Type.String()), assigneeUnitId: Nullable(Type.String()), ownerUnitId: Type.String(), divisionCodes: Type.Array(Type.String()),
  districtCode: Type.String(), streetCode: Nullable(Type.String()), lon: Type.Number(), lat: Type.Number(), value: Nullable(Type.Number()),
  raisedAt: Type.String(), updatedAt: Type.String(), clearedAt: Nullable(Type.String()), caseId: Nullable(Type.String({ description: 'The case opened at orange or red' })),
  version: Type.Integer(),
});

const HistorySchema = Type.Object({
  seq: Type.Integer(), at: Type.String(), action: Type.String({ description: 'raise, escalate, deescalate, clear, acknowledge, comment, assign, case' }),
  fromLevel: Nullable(Type.String()), toLevel: Nullable(Type.String()), actor: Nullable(Type.String()), note: Nullable(Type.String()),
  data: Nullable(Type.Object({}, { additionalProperties: true })),
});

const AlarmQuery = Type.Object({
  state: Type.Optional(literals(['active', 'cleared'])), level: Type.Optional(Level), division: Type.Optional(DivisionCode),
  ack: Type.Optional(Type.Boolean({ description: 'true: acknowledged only; false: unacknowledged only' })),
  sensor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), kind: Type.Optional(literals(RULE_KINDS)),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }), offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
}, { additionalProperties: false });

const Seconds = Type.Number({ minimum: 0, maximum: 30 * 86_400 });
const Positive = Type.Number({ exclusiveMinimum: 0, maximum: 30 * 86_400 });
const LevelMap = Type.Object(Object.fromEntries(LEVELS.map((l) => [l, Type.Optional(Type.Number())])), { additionalProperties: false });
const LevelFields = {
  direction: literals(['above', 'below']), thresholds: LevelMap, clear: Type.Optional(LevelMap), hysteresis: Type.Optional(Type.Number({ minimum: 0 })),
  create: Type.Union([
    Type.Object({ mode: Type.Literal('immediate') }, { additionalProperties: false }),
    Type.Object({ mode: Type.Literal('sustained'), seconds: Seconds }, { additionalProperties: false }),
    Type.Object({ mode: Type.Literal('repeated'), count: Type.Integer({ minimum: 1, maximum: 1000 }), windowSeconds: Positive }, { additionalProperties: false }),
  ]),
  clearSeconds: Seconds,
};
const ParamsSchema = Type.Union([
  Type.Object({ kind: Type.Literal('threshold'), ...LevelFields }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('rate'), ...LevelFields, windowSeconds: Positive, perSeconds: Positive, minSpanSeconds: Seconds }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('anomaly'), ...LevelFields, window: Type.Optional(Type.Integer({ minimum: 4, maximum: 4096 })),
    warmup: Type.Optional(Type.Integer({ minimum: 0, maximum: 4096 })), halfScoreZ: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
  }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('offline'), intervals: Type.Number({ minimum: 1, maximum: 1000 }), level: Level }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('flatline'), seconds: Positive, tolerance: Type.Number({ minimum: 0 }), level: Level }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('burst'), flowType: literals(SENSOR_TYPE_CODES), windowSeconds: Positive, pressureDropPct: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    flowRisePct: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }), level: Level, clearSeconds: Seconds,
  }, { additionalProperties: false }),
], { description: 'Rule parameters by kind; times in seconds' });

const RuleSchema = Type.Object({
  id: Type.String(), sensorType: Type.String(), kind: literals(RULE_KINDS), scope: literals(['type', 'asset', 'sensor']), targetId: Nullable(Type.String()),
  params: ParamsSchema, categoryCode: Nullable(Type.String()), enabled: Type.Boolean(), version: Type.Integer(), updatedAt: Type.String(), updatedBy: Nullable(Type.String()),
});

const RuleBody = Type.Object({
  sensorType: literals(SENSOR_TYPE_CODES), scope: literals(['type', 'asset', 'sensor'], 'type: the default for every sensor of the type; asset or sensor: an override'),
  targetId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))), params: ParamsSchema,
  categoryCode: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20 }))), enabled: Type.Optional(Type.Boolean({ default: true })),
  version: Type.Optional(Type.Integer({ minimum: 0, description: 'The version you edited (0 for a new override); a stale one answers 409' })),
}, { additionalProperties: false });

const VitalSchema = Type.Object({
  divisionCode: Type.String(), at: Type.String(), sensorsTotal: Type.Integer(), sensorsOnline: Type.Integer(),
  alarms: Type.Object({ blue: Type.Integer(), yellow: Type.Integer(), orange: Type.Integer(), red: Type.Integer() }),
  openCases: Type.Integer(), overdueCases: Type.Integer(), compositeIndex: Type.Number({ description: '0–100, higher is healthier; weights in the README' }),
});

type Action = 'acknowledge' | 'comment' | 'assign' | 'clear';
const ACTION_BODIES: Record<Action, TSchema> = {
  acknowledge: Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false }),
  comment: Type.Object({ note: Note }, { additionalProperties: false }),
  assign: Type.Object({ userId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), unitId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), note: Type.Optional(Note) }, { additionalProperties: false }),
  clear: Type.Object({ note: Note }, { additionalProperties: false }),
};
const ACTION_SUMMARY: Record<Action, string> = {
  acknowledge: 'Acknowledge an alarm (确认)', comment: 'Comment on an alarm', assign: 'Assign an alarm to a user or unit (指派)',
  clear: 'Clear an active alarm by hand (人工解除); the condition must recur to raise it again',
};

export async function alarmRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.get('/alarms', {
    preHandler: allow(app, STAFF),
    schema: { tags: ['alarms'], summary: 'Alarms in your jurisdiction, newest first', security: SECURED, querystring: AlarmQuery, response: { 200: Type.Object({ items: Type.Array(AlarmSchema) }), ...problems(400, 401, 403) } },
  }, async (request) => {
    const q = request.query as { state?: 'active' | 'cleared'; level?: (typeof LEVELS)[number]; division?: string; ack?: boolean; sensor?: string; kind?: string; limit: number; offset: number };
    return { items: await alarms.listAlarmsFor(ctx, principalOf(request), { state: q.state, level: q.level, division: q.division, acknowledged: q.ack, sensorId: q.sensor, kind: q.kind, limit: q.limit, offset: q.offset }) };
  });

  app.get('/alarms/:id', {
    preHandler: allow(app, STAFF),
    schema: { tags: ['alarms'], summary: 'One alarm with its full history', security: SECURED, params: IdParam, response: { 200: Type.Intersect([AlarmSchema, Type.Object({ history: Type.Array(HistorySchema) })]), ...problems(401, 403, 404) } },
  }, async (request) => alarms.alarmWithHistory(ctx, principalOf(request), (request.params as { id: string }).id));

  for (const action of Object.keys(ACTION_BODIES) as Action[]) {
    app.post(`/alarms/:id/${action}`, {
      preHandler: allow(app, STAFF),
      schema: { tags: ['alarms'], summary: ACTION_SUMMARY[action], security: SECURED, params: IdParam, body: ACTION_BODIES[action], response: { 200: AlarmSchema, ...problems(400, 401, 403, 404, 409, 422) } },
    }, async (request) => alarms.actOnAlarm(ctx, principalOf(request), request.id, (request.params as { id: string }).id, { action, ...(request.body as object) } as alarms.AlarmCommand));
  }

  app.get('/alarm-rules', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['alarms'], summary: 'Alarm rules: type defaults and their asset and sensor overrides (the most specific wins)', security: SECURED,
      querystring: Type.Object({ sensorType: Type.Optional(literals(SENSOR_TYPE_CODES)), kind: Type.Optional(literals(RULE_KINDS)), scope: Type.Optional(literals(['type', 'asset', 'sensor'])), targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(RuleSchema) }), ...problems(400, 401, 403) },
    },
  }, async (request) => ({ items: await rules.visibleRules(ctx, principalOf(request), await listRules(ctx.db, request.query as Record<string, string>)) }));

  app.get('/alarm-rules/:id/versions', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['alarms'], summary: 'Every version a rule has had', security: SECURED, params: IdParam,
      response: { 200: Type.Object({ items: Type.Array(Type.Object({ version: Type.Integer(), params: ParamsSchema, categoryCode: Nullable(Type.String()), enabled: Type.Boolean(), at: Type.String(), byUserId: Nullable(Type.String()) })) }), ...problems(401, 403, 404) },
    },
  }, async (request) => {
    const { id } = request.params as { id: string };
    const rule = await getRule(ctx.db, id);
    if (!rule || !(await rules.overrideVisible(ctx, principalOf(request), rule))) throw notFound('alarm rule', id);
    return { items: await ruleVersions(ctx.db, id) };
  });

  app.put('/alarm-rules', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['alarms'], summary: 'Set a type default (city administrators) or an asset or sensor override (administrators of its area); audited, versioned', security: SECURED,
      body: RuleBody, response: { 200: RuleSchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (request) => {
    const b = request.body as Omit<rules.RuleInput, 'targetId' | 'categoryCode' | 'enabled'> & { targetId?: string | null; categoryCode?: string | null; enabled?: boolean };
    return rules.saveAlarmRule(ctx, principalOf(request), request.id, {
      ...b, targetId: b.targetId ?? null, categoryCode: b.categoryCode === undefined ? await defaultCategory(b.sensorType, b.params.kind) : b.categoryCode, enabled: b.enabled ?? true,
    });
  });

  /** An override without a category files its cases like the type default. */
  async function defaultCategory(sensorType: string, kind: string): Promise<string | null> {
    return (await getRule(ctx.db, `${sensorType}.${kind}`))?.categoryCode ?? null;
  }

  const visibleDivision = (request: Parameters<typeof principalOf>[0], code: string | undefined): string => {
    const principal = principalOf(request);
    const division = code ?? principal.unit?.divisionCode ?? '500000';
    if (!jurisdictionOf(principal, ctx.city).covers(division, ctx.today()) || !ctx.city.tree.at(division, ctx.today())) throw notFound('division', division);
    return division;
  };

  app.get('/vital-signs', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['vital-signs'], summary: 'Current vital signs (城市体征) of a division (default: your own) and, for the city or a district, of each division below it', security: SECURED,
      querystring: Type.Object({ division: Type.Optional(DivisionCode) }, { additionalProperties: false }),
      response: { 200: Type.Object({ division: VitalSchema, children: Type.Array(VitalSchema) }), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => {
    const code = visibleDivision(request, (request.query as { division?: string }).division);
    const division = ctx.city.tree.at(code, ctx.today())!;
    const children = division.level === 'city' || division.level === 'district' ? ctx.city.tree.children(code, ctx.today()).map((d) => d.code) : [];
    const [own, ...rest] = await computeVitalSigns(ctx, [code, ...children]);
    return { division: own, children: rest };
  });

  app.get('/vital-signs/series', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['vital-signs'], summary: 'Stored vital-sign snapshots of the city or a district over time, one per step', security: SECURED,
      querystring: Type.Object({
        division: Type.Optional(DivisionCode), from: Iso, to: Iso,
        step: Type.Integer({ minimum: 300, maximum: 7 * 86_400, default: 300, description: 'Seconds per point (snapshots are taken every 5 minutes)' }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(VitalSchema) }), ...problems(400, 401, 403, 404, 422) },
    },
  }, async (request) => {
    const q = request.query as { division?: string; from: string; to: string; step: number };
    const code = visibleDivision(request, q.division);
    const [from, to] = [new Date(q.from), new Date(q.to)];
    if (!(from < to)) throw new Problem('CY_UNPROCESSABLE', 'from must be before to');
    if ((to.getTime() - from.getTime()) / (q.step * 1000) > 5000) throw new Problem('CY_UNPROCESSABLE', 'more than 5000 points: take a larger step or a shorter range');
    return { items: await snapshotSeries(ctx.db, code, from, to, q.step * 1000) };
  });
}
