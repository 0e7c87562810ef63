/** HTTP routes of the case loop: intake, one route per workflow action, reads, export, photos. */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { unitDirectory } from '../org/directory.ts';
import { Problem } from '../http/errors.ts';
import { Bbox, DivisionCode, parseBbox, problems } from '../http/schemas.ts';
import { clientOf, limit } from '../http/rate-limit.ts';
import { APPEAL_TYPES, CHANNELS, URGENCIES } from './model.ts';
import * as service from './service.ts';
import { casesToCsv } from './csv.ts';
import { detectImage, MAX_PHOTO_BYTES, stripMetadata } from './photos.ts';
import * as store from './store.ts';
import * as map from './map.ts';
import { ACTION_ZH, CASE_STATUSES, type CaseAction, type Command } from './workflow.ts';
import { duplicateCandidatesOf } from '../triage/index.ts';

const literals = (values: readonly string[], description?: string) => Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

const PhotoHash = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of an uploaded photo' });
const Photos = Type.Array(PhotoHash, { maxItems: 9, uniqueItems: true });
const Note = Type.String({ minLength: 1, maxLength: 2000 });
const UnitId = Type.String({ minLength: 1, maxLength: 100 });

export const IntakeSchema = Type.Object({
  channel: Type.Optional(literals(CHANNELS, 'app 一键报事, hotline 12345, patrol 网格巡查, sensor 感知告警, inspection 巡查, media 媒体, referral 上级转办')),
  appealType: Type.Optional(literals(APPEAL_TYPES, '诉求类型: consult 咨询, help 求助, complaint 投诉, report 举报, suggestion 建议, praise 表扬')),
  categoryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  domain: Type.Optional(Type.String({ minLength: 1, maxLength: 30 })),
  urgency: Type.Optional(literals(URGENCIES, '一般 normal, 紧急 urgent, 特急 critical')),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  description: Type.String({ minLength: 1, maxLength: 5000 }),
  address: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  location: Type.Object({
    lon: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }),
    crs: Type.Optional(literals(['wgs84', 'gcj02'])),
  }, { additionalProperties: false }),
  reporter: Type.Optional(Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 -]{5,20}$' })),
  }, { additionalProperties: false })),
  photos: Type.Optional(Photos),
}, { additionalProperties: false });

const TaskSchema = Type.Object({ unitId: Type.String(), role: literals(['lead', 'assist']), status: literals(['pending', 'signed', 'done', 'returned']) });
const Nullable = (t: TSchema) => Type.Union([t, Type.Null()]);

export const CaseSchema = Type.Object({
  id: Type.String(), number: Type.String({ description: 'Case number: date + district code + serial' }), version: Type.Integer(),
  status: literals(CASE_STATUSES), statusName: Type.String(), suspendedFrom: Nullable(Type.String()),
  channel: Type.String(), appealType: Type.String(), domain: Nullable(Type.String()), categoryCode: Nullable(Type.String()), urgency: Type.String(),
  title: Type.String(), description: Type.String(), address: Nullable(Type.String()), lon: Type.Number(), lat: Type.Number(),
  gridCode: Type.String(), communityCode: Type.String(), streetCode: Type.String(), districtCode: Type.String(), locationDate: Type.String(),
  reporterUserId: Nullable(Type.String()), reporterName: Nullable(Type.String()), reporterPhone: Nullable(Type.String({ description: 'Masked (138****0000) unless you may see it' })),
  photos: Type.Array(Type.String()), ownerUnitId: Type.String(), ownerUnitName: Nullable(Type.String()), assigneeUnitId: Nullable(Type.String()),
  assigneeUnitName: Nullable(Type.String()), recommendedUnitId: Nullable(Type.String()), routingRuleId: Nullable(Type.String()), tasks: Type.Array(TaskSchema),
  reworkCount: Type.Integer(), reopenCount: Type.Integer(), extensionMinutes: Type.Integer(),
  pendingExtension: Nullable(Type.Object({ minutes: Type.Integer(), reason: Type.String(), requestedAt: Type.String(), byUnitId: Type.String() })),
  satisfaction: Nullable(Type.Integer()), satisfactionComment: Nullable(Type.String()), masterId: Nullable(Type.String()),
  sla: Nullable(Type.Object({
    policyId: Type.String(), basis: Type.String(), stage: Nullable(Type.String()), startedAt: Nullable(Type.String()),
    dueAt: Nullable(Type.String()), warnAt: Nullable(Type.String()), handleDueAt: Nullable(Type.String()),
  })),
  dueAt: Nullable(Type.String({ format: 'date-time' })), overdue: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }), closedAt: Nullable(Type.String({ format: 'date-time' })),
  allowedActions: Type.Array(Type.String(), { description: 'Actions you may take now' }),
});

/** One case as its page shows it: the case, and the earlier open cases it may repeat. */
const CaseViewSchema = Type.Object({
  ...CaseSchema.properties,
  duplicateCandidates: Type.Array(Type.Object({
    proposalId: Type.String({ description: 'Confirm or dismiss at /triage/duplicates/{proposalId}/…' }), caseId: Type.String(), code: Type.String({ description: 'Case number' }),
    title: Type.String(), status: Type.String(), score: Type.Number(), similarity: Type.Number(), distanceM: Type.Integer(), hoursApart: Type.Number(),
  }), { description: 'Undecided duplicate proposals (重复件), best first' }),
});

/** Body schema of each action route. */
const ACTION_BODIES: Record<CaseAction, TSchema> = {
  accept: Type.Object({
    note: Type.Optional(Note),
    categoryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'Corrected category (a training label for triage)' })),
    urgency: Type.Optional(literals(URGENCIES)), appealType: Type.Optional(literals(APPEAL_TYPES)),
  }, { additionalProperties: false }),
  requestVerification: Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false }),
  confirmReport: Type.Object({ note: Type.Optional(Note), photos: Type.Optional(Photos) }, { additionalProperties: false }),
  reject: Type.Object({ reason: Note }, { additionalProperties: false }),
  void: Type.Object({ reason: Note }, { additionalProperties: false }),
  selfHandle: Type.Object({ note: Note, photos: Type.Array(PhotoHash, { minItems: 1, maxItems: 9, uniqueItems: true }) }, { additionalProperties: false }),
  dispatch: Type.Object({ unitId: UnitId, assistingUnitIds: Type.Optional(Type.Array(UnitId, { maxItems: 10, uniqueItems: true })), note: Type.Optional(Note) }, { additionalProperties: false }),
  sign: Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false }),
  return: Type.Object({ reason: Note }, { additionalProperties: false }),
  transfer: Type.Object({ toUnitId: UnitId, toKind: literals(['center', 'department']), reason: Note }, { additionalProperties: false }),
  reportHandled: Type.Object({ note: Note, photos: Type.Optional(Photos) }, { additionalProperties: false }),
  requestExtension: Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 43_200 }), reason: Note }, { additionalProperties: false }),
  decideExtension: Type.Object({ approve: Type.Boolean(), note: Type.Optional(Note) }, { additionalProperties: false }),
  verifyFix: Type.Object({ passed: Type.Boolean(), note: Type.Optional(Note), photos: Type.Optional(Photos) }, { additionalProperties: false }),
  rework: Type.Object({ reason: Note }, { additionalProperties: false }),
  close: Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false }),
  evaluate: Type.Object({ satisfaction: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Note) }, { additionalProperties: false }),
  reopen: Type.Object({ reason: Note }, { additionalProperties: false }),
  suspend: Type.Object({ reason: Note }, { additionalProperties: false }),
  resume: Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false }),
  supervise: Type.Object({ note: Note }, { additionalProperties: false }),
  merge: Type.Object({ masterId: Type.String({ minLength: 1, maxLength: 100 }), note: Type.Optional(Note) }, { additionalProperties: false }),
  unmerge: Type.Object({ reason: Note }, { additionalProperties: false }),
};

/** URL segment of each action: kebab-case of its name. */
export const actionPath = (action: CaseAction) => action.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ pattern: '^(W/)?"?[0-9]{1,9}"?$', description: 'Expected case version; a stale one gets 409' })) });

const ListQuery = Type.Object({
  status: Type.Optional(Type.Array(literals(CASE_STATUSES), { maxItems: 12 })),
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'Category code or prefix' })),
  owner: Type.Optional(UnitId), assignee: Type.Optional(UnitId),
  channel: Type.Optional(literals(CHANNELS)), urgency: Type.Optional(literals(URGENCIES)),
  overdue: Type.Optional(Type.Boolean()),
  from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })),
  bbox: Type.Optional(Bbox),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Full text in title, description, address and number' })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
}, { additionalProperties: false });

interface ListQ { status?: string[]; category?: string; owner?: string; assignee?: string; channel?: string; urgency?: string; overdue?: boolean; from?: string; to?: string; bbox?: string; q?: string; cursor?: string; limit: number }

function parseCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof createdAt !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(createdAt))) throw new Error('bad');
    return { createdAt, id };
  } catch {
    throw new Problem('CY_VALIDATION', 'cursor is not one this API gave out', [{ pointer: '/querystring/cursor', message: 'invalid cursor' }]);
  }
}

const makeCursor = (c: { createdAt: string; id: string }) => Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');

function toListQuery(q: ListQ): service.ListQuery {
  const bbox = q.bbox === undefined ? undefined : parseBbox(q.bbox);
  return {
    status: q.status as service.CaseStatus[] | undefined, categoryPrefix: q.category, ownerUnitId: q.owner, assigneeUnitId: q.assignee,
    channel: q.channel as service.IntakeInput['channel'] | undefined, urgency: q.urgency as service.IntakeInput['urgency'] | undefined,
    overdue: q.overdue, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined, bbox, text: q.q,
    before: parseCursor(q.cursor), limit: q.limit,
  };
}

function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  return typeof header === 'string' ? Number(header.replace(/^W\//, '').replaceAll('"', '')) : undefined;
}

export async function caseRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.addContentTypeParser(['image/jpeg', 'image/png', 'image/webp'], { parseAs: 'buffer', bodyLimit: MAX_PHOTO_BYTES }, (_req, body, done) => done(null, body));

  app.post('/cases', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'Report a problem (上报); a retry with the same Idempotency-Key returns the same case', security: SECURED,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 8, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' })) }),
      body: IntakeSchema,
      response: { 201: CaseSchema, 200: CaseSchema, ...problems(400, 401, 409, 413, 415, 422, 429) },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    // Residents' reports are public intake; staff report from work and are not limited.
    if (principal.user.role === 'citizen') await limit(reply, [[app.rateLimits.intakeAddress, clientOf(request)], [app.rateLimits.intakeReporter, `user:${principal.user.id}`]]);
    const body = request.body as Record<string, unknown> & { location: { lon: number; lat: number; crs?: 'wgs84' | 'gcj02' } };
    const staff = principal.user.role !== 'citizen';
    const input: service.IntakeInput = {
      ...(body as unknown as service.IntakeInput),
      // Residents report through the app; staff say which channel the report came by.
      channel: staff ? (body.channel as service.IntakeInput['channel']) ?? 'patrol' : 'app',
      appealType: (body.appealType as service.IntakeInput['appealType']) ?? 'help',
      urgency: (body.urgency as service.IntakeInput['urgency']) ?? 'normal',
      location: { lon: body.location.lon, lat: body.location.lat, crs: body.location.crs ?? 'wgs84' },
    };
    const key = request.headers['idempotency-key'] as string | undefined;
    const result = await service.reportCase(ctx, { principal, requestId: request.id }, input, key);
    const units = await unitDirectory(ctx);
    return reply.status(result.replayed ? 200 : 201).send(service.view(ctx, principal, result.case, units));
  });

  app.get('/cases', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'Cases you can see, newest first, with filters and a cursor', security: SECURED, querystring: ListQuery,
      response: { 200: Type.Object({ items: Type.Array(CaseSchema), next: Nullable(Type.String()) }), ...problems(400, 401) },
    },
  }, async (request) => {
    const q = request.query as ListQ;
    const items = await service.listCaseViews(ctx, principalOf(request), toListQuery(q));
    return { items, next: items.length === q.limit ? makeCursor(items[items.length - 1]) : null };
  });

  app.get('/cases/export.csv', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['cases'], summary: 'The same list as CSV (UTF-8 with BOM, phones masked as in the API), up to 10,000 rows', security: SECURED,
      querystring: Type.Omit(ListQuery, ['limit', 'cursor']),
      response: { 200: Type.String({ description: 'text/csv' }), ...problems(400, 401, 403) },
    },
  }, async (request, reply) => {
    const items = await service.listCaseViews(ctx, principalOf(request), toListQuery({ ...(request.query as ListQ), limit: 10_000 }));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="cases.csv"').send(casesToCsv(items));
  });

  app.get('/cases/map-points', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'Case locations for the one map (一图掌控), in columns: ids, flattened coordinates, status index, overdue flag', security: SECURED,
      querystring: Type.Object({
        division: DivisionCode,
        open: Type.Boolean({ default: true, description: 'Only cases not yet finished' }),
        limit: Type.Integer({ minimum: 1, maximum: 200_000, default: 100_000, description: 'The newest cases are kept when more match' }),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          division: Type.String(), count: Type.Integer(), truncated: Type.Boolean(),
          statuses: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
          ids: Type.Array(Type.String()), coords: Type.Array(Type.Number(), { description: '[lon0, lat0, lon1, lat1, …] WGS84' }),
          status: Type.Array(Type.Integer(), { description: 'Index into statuses' }), overdue: Type.Array(Type.Integer({ minimum: 0, maximum: 1 })),
        }),
        ...problems(400, 401, 404),
      },
    },
  }, async (request) => map.mapPoints(ctx, principalOf(request), request.query as { division: string; open: boolean; limit: number }));

  app.get('/cases/map-clusters', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], security: SECURED,
      summary: `Case clusters for the one map (一图掌控) at a zoom, in a box: cases within your reach aggregated on a lattice of ${map.CLUSTER_CELL_PX}-pixel cells (mean position, count, overdue count; the id where a cluster is one case), the fullest ${map.MAX_CLUSTERS.toLocaleString('en')} cells at most`,
      querystring: Type.Object({
        division: DivisionCode, bbox: Bbox,
        zoom: Type.Integer({ minimum: 0, maximum: 22, description: 'Map zoom (512-pixel tiles)' }),
        open: Type.Boolean({ default: true, description: 'Only cases not yet finished' }),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          division: Type.String(), zoom: Type.Integer(), total: Type.Integer({ description: 'Cases in the box' }), truncated: Type.Boolean(),
          coords: Type.Array(Type.Number(), { description: '[lon0, lat0, lon1, lat1, …] WGS84, the mean of each cluster' }),
          counts: Type.Array(Type.Integer()), overdue: Type.Array(Type.Integer(), { description: 'Overdue cases per cluster' }),
          ids: Type.Array(Nullable(Type.String()), { description: 'The case id of a one-case cluster, else null' }),
        }),
        ...problems(400, 401, 404),
      },
    },
  }, async (request) => {
    const q = request.query as { division: string; bbox: string; zoom: number; open: boolean };
    return map.mapClusters(ctx, principalOf(request), { ...q, bbox: parseBbox(q.bbox) });
  });

  const Counts = { total: Type.Integer(), open: Type.Integer(), overdue: Type.Integer(), closed: Type.Integer(), rated: Type.Integer(), satisfaction: Nullable(Type.Number({ description: 'Mean rating 1–5' })) };
  app.get('/cases/stats', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'Case counts (open, overdue, closed, satisfaction) for a division and each sub-division one level down, within your reach', security: SECURED,
      querystring: Type.Object({ division: DivisionCode }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          division: Type.Object({ code: Type.String(), name: Type.String(), level: Type.String() }),
          totals: Type.Object(Counts),
          children: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), ...Counts })),
        }),
        ...problems(400, 401, 404),
      },
    },
  }, async (request) => map.areaStats(ctx, principalOf(request), (request.query as { division: string }).division));

  app.get('/cases/:id', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'One case with the actions you may take and its proposed duplicates (重复件)', security: SECURED, params: IdParam,
      response: { 200: CaseViewSchema, ...problems(401, 404) },
    },
  }, async (request) => {
    const principal = principalOf(request);
    const { id } = request.params as { id: string };
    const view = await service.getCaseView(ctx, principal, id);
    return { ...view, duplicateCandidates: await duplicateCandidatesOf(ctx, principal, id) };
  });

  app.get('/cases/by-number/:number', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'Find a case by its number (the code residents are given)', security: SECURED,
      params: Type.Object({ number: Type.String({ pattern: '^[0-9]{19}$' }) }), response: { 200: CaseSchema, ...problems(400, 401, 404) },
    },
  }, async (request) => {
    const { number } = request.params as { number: string };
    const c = await store.getCaseByNumber(ctx.db, number);
    return service.getCaseView(ctx, principalOf(request), c?.id ?? `number:${number}`).catch((error) => {
      if (error instanceof Problem && error.status === 404) throw new Problem('CY_NOT_FOUND', `case ${number} not found`);
      throw error;
    });
  });

  app.get('/cases/:id/timeline', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'The full, append-only timeline (时间线) and supervision records of a case', security: SECURED, params: IdParam,
      response: {
        200: Type.Object({
          events: Type.Array(Type.Object({
            seq: Type.Integer(), at: Type.String(), action: Type.String(), actionName: Type.String(), fromStatus: Nullable(Type.String()), toStatus: Type.String(),
            actorUserId: Nullable(Type.String()), actorUnitId: Nullable(Type.String()), note: Nullable(Type.String()), data: Type.Unknown(),
          })),
          supervisions: Type.Array(Type.Object({
            id: Type.String(), caseId: Type.String(), at: Type.String(), kind: Type.String(), tier: Type.String(), unitId: Type.String(),
            byUserId: Nullable(Type.String()), note: Type.String(),
          })),
        }),
        ...problems(401, 404),
      },
    },
  }, async (request) => service.caseTimeline(ctx, principalOf(request), (request.params as { id: string }).id));

  for (const action of Object.keys(ACTION_BODIES) as CaseAction[]) {
    app.post(`/cases/:id/${actionPath(action)}`, {
      preHandler: allow(app),
      schema: {
        tags: ['cases'], summary: `${ACTION_ZH[action]} (${action})`, security: SECURED, params: IdParam, headers: IfMatch,
        body: ACTION_BODIES[action],
        response: { 200: CaseSchema, ...problems(400, 401, 403, 404, 409, 422) },
      },
    }, async (request) => {
      const cmd = { ...(request.body as object), action } as Command;
      return service.act(ctx, principalOf(request), request.id, (request.params as { id: string }).id, cmd, expectedVersion(request));
    });
  }

  app.post('/photos', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'Upload a photo (JPEG, PNG or WebP body, ≤ 5 MB, checked by content); metadata such as EXIF and GPS is removed; returns the hash of the stored copy to attach to reports and actions', security: SECURED,
      response: { 201: Type.Object({ hash: PhotoHash, mime: Type.String(), size: Type.Integer() }), ...problems(400, 401, 413, 415) },
    },
  }, async (request, reply) => {
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new Problem('CY_UNSUPPORTED_MEDIA_TYPE', 'send the image bytes with content-type image/jpeg, image/png or image/webp');
    const mime = detectImage(body);
    if (!mime) throw new Problem('CY_UNSUPPORTED_MEDIA_TYPE', 'the body is not a JPEG, PNG or WebP image');
    const clean = stripMetadata(body, mime);
    const hash = createHash('sha256').update(clean).digest('hex');
    await store.savePhoto(ctx.db, { hash, mime, data: clean, uploadedBy: principalOf(request).user.id, at: ctx.clock() });
    return reply.status(201).send({ hash, mime, size: clean.length });
  });

  app.get('/photos/:hash', {
    preHandler: allow(app),
    schema: {
      tags: ['cases'], summary: 'A photo of a case you can see', security: SECURED, params: Type.Object({ hash: PhotoHash }),
      response: { 200: Type.String({ description: 'the image bytes' }), ...problems(400, 401, 404) },
    },
  }, async (request, reply) => {
    const { hash } = request.params as { hash: string };
    const principal = principalOf(request);
    const photo = await store.getPhoto(ctx.db, hash);
    if (!photo) throw new Problem('CY_NOT_FOUND', `photo ${hash} not found`);
    const owners = await store.casesWithPhoto(ctx.db, hash);
    const visible = owners.length === 0
      ? photo.uploadedBy === principal.user.id
      : (await Promise.all(owners.map((c) => service.visibleCase(ctx, principal, c.id).then(() => true, () => false)))).some(Boolean);
    if (!visible) throw new Problem('CY_NOT_FOUND', `photo ${hash} not found`);
    return reply.type(photo.mime).header('cache-control', 'private, max-age=86400').send(photo.data);
  });
}
