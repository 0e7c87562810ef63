/** HTTP routes for the city model: hierarchy, history, geometry as GeoJSON, grids, geo lookup. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED } from '../http/auth.ts';
import { Bbox, CalendarDate, DivisionCode, parseBbox, problems } from '../http/schemas.ts';
import * as service from './service.ts';

const Level = Type.Union([Type.Literal('city'), Type.Literal('district'), Type.Literal('street'), Type.Literal('community')]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const VersionSchema = Type.Object({
  code: Type.String(), name: Type.String(), level: Level, parentCode: Nullable(Type.String()),
  validFrom: Type.String(), validTo: Nullable(Type.String()), provisional: Type.Boolean(), changeSet: Type.String(),
});
const DivisionSchema = Type.Object({
  ...VersionSchema.properties,
  access: Type.Union([Type.Literal('within'), Type.Literal('above')]),
  zone: Nullable(Type.Object({ code: Type.String(), name: Type.String() })),
});
const DivisionDetailSchema = Type.Object({ ...DivisionSchema.properties, path: Type.Array(VersionSchema) });
const FeatureSchema = Type.Object({ type: Type.Literal('Feature'), id: Type.String(), geometry: Type.Unknown(), properties: Type.Record(Type.String(), Type.Unknown()) });
const DivRef = Type.Object({ code: Type.String(), name: Type.String(), provisional: Type.Boolean() });
const LookupSchema = Type.Object({
  date: Type.String(), point: Type.Object({ lon: Type.Number(), lat: Type.Number(), crs: Type.Literal('wgs84') }),
  grid: Type.Object({ code: Type.String(), name: Type.String() }), community: DivRef, street: DivRef, district: DivRef, city: DivRef,
  zone: Nullable(Type.Object({ code: Type.String(), name: Type.String() })), inJurisdiction: Type.Boolean(),
});

const DateQuery = Type.Object({ date: Type.Optional(CalendarDate) }, { additionalProperties: false });
const CodeParam = Type.Object({ code: DivisionCode });

interface DateQ { date?: string }

export async function divisionRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const guard = allow(app);

  app.get('/divisions', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'Your top divisions, or a search by name or code prefix (as of a date, default today)', security: SECURED,
      querystring: Type.Object({ date: Type.Optional(CalendarDate), q: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ date: Type.String(), items: Type.Array(DivisionSchema) }), ...problems(400, 401) },
    },
  }, async (request) => {
    const q = request.query as { date?: string; q?: string; limit: number };
    const date = service.dateOrToday(ctx, q.date);
    const principal = principalOf(request);
    return { date, items: q.q ? service.searchDivisions(ctx, principal, q.q, date, q.limit) : service.rootsOf(ctx, principal, date) };
  });

  app.get('/divisions/:code', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'A division as of a date, with its path up to the city', security: SECURED,
      params: CodeParam, querystring: DateQuery, response: { 200: DivisionDetailSchema, ...problems(400, 401, 404) },
    },
  }, async (request) => {
    const { code } = request.params as { code: string };
    return service.getDivision(ctx, principalOf(request), code, service.dateOrToday(ctx, (request.query as DateQ).date));
  });

  app.get('/divisions/:code/children', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'Children of a division as of a date, within your jurisdiction', security: SECURED,
      params: CodeParam, querystring: DateQuery, response: { 200: Type.Object({ date: Type.String(), items: Type.Array(DivisionSchema) }), ...problems(400, 401, 404) },
    },
  }, async (request) => {
    const { code } = request.params as { code: string };
    const date = service.dateOrToday(ctx, (request.query as DateQ).date);
    return { date, items: service.childrenOf(ctx, principalOf(request), code, date) };
  });

  app.get('/divisions/:code/versions', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'Every version of a division (行政区划调整 history)', security: SECURED,
      params: CodeParam, response: { 200: Type.Object({ items: Type.Array(VersionSchema) }), ...problems(400, 401, 404) },
    },
  }, async (request) => ({ items: service.versionsOf(ctx, principalOf(request), (request.params as { code: string }).code, ctx.today()) }));

  app.get('/divisions/:code/geometry', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'Outline as a GeoJSON Feature (WGS84), or the children outlines as a FeatureCollection', security: SECURED,
      params: CodeParam,
      querystring: Type.Object({ date: Type.Optional(CalendarDate), children: Type.Boolean({ default: false }) }, { additionalProperties: false }),
      response: { 200: Type.Union([FeatureSchema, Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(FeatureSchema) })]), ...problems(400, 401, 404) },
    },
  }, async (request, reply) => {
    const { code } = request.params as { code: string };
    const q = request.query as { date?: string; children: boolean };
    const result = await service.geometryOf(ctx, principalOf(request), code, service.dateOrToday(ctx, q.date), q.children);
    return reply.type('application/geo+json; charset=utf-8').send(result);
  });

  app.get('/divisions/:code/grids', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'Unit grids (单元网格) of a community', security: SECURED, params: CodeParam, querystring: DateQuery,
      response: {
        200: Type.Object({ items: Type.Array(Type.Object({ code: Type.String(), communityCode: Type.String(), name: Type.String(), synthetic: Type.Boolean(), source: Type.String() })) }),
        ...problems(400, 401, 404, 422),
      },
    },
  }, async (request) => {
    const { code } = request.params as { code: string };
    return { items: await service.gridsOf(ctx, principalOf(request), code, service.dateOrToday(ctx, (request.query as DateQ).date)) };
  });

  app.get('/grids', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'Unit grids (单元网格) in your jurisdiction meeting a box, as a GeoJSON FeatureCollection (5-decimal WGS84): the one map\'s grid layer', security: SECURED,
      querystring: Type.Object({
        bbox: Type.String({ ...Bbox, description: 'minLon,minLat,maxLon,maxLat (WGS84), at most 0.5° on a side' }),
        limit: Type.Integer({ minimum: 1, maximum: 5000, default: 2000 }), date: Type.Optional(CalendarDate),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          type: Type.Literal('FeatureCollection'), truncated: Type.Boolean({ description: 'More grids meet the box than `limit`' }),
          features: Type.Array(Type.Object({ type: Type.Literal('Feature'), id: Type.String(), geometry: Type.Unknown(), properties: Type.Object({ code: Type.String(), name: Type.String(), communityCode: Type.String() }) })),
        }),
        ...problems(400, 401),
      },
    },
  }, async (request, reply) => {
    const q = request.query as { bbox: string; limit: number; date?: string };
    const result = service.gridsInBox(ctx, principalOf(request), parseBbox(q.bbox, 0.5), service.dateOrToday(ctx, q.date), q.limit);
    return reply.type('application/geo+json; charset=utf-8').send(result);
  });

  app.get('/grids/:code', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'One unit grid as a GeoJSON Feature', security: SECURED,
      params: Type.Object({ code: Type.String({ pattern: '^[0-9]{14}$', description: 'CJ/T 213 grid code: community code + 2-digit serial' }) }),
      querystring: DateQuery, response: { 200: FeatureSchema, ...problems(400, 401, 404) },
    },
  }, async (request, reply) => {
    const { code } = request.params as { code: string };
    const feature = await service.gridFeature(ctx, principalOf(request), code, service.dateOrToday(ctx, (request.query as DateQ).date));
    return reply.type('application/geo+json; charset=utf-8').send(feature);
  });

  app.get('/geo/lookup', {
    preHandler: guard,
    schema: {
      tags: ['divisions'], summary: 'Point → grid → community → street → district as of a date; GCJ-02 accepted', security: SECURED,
      querystring: Type.Object({
        lon: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }),
        crs: Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02')], { default: 'wgs84', description: 'wgs84 (GPS) or gcj02 (Chinese phone map SDKs)' }),
        date: Type.Optional(CalendarDate),
      }, { additionalProperties: false }),
      response: { 200: LookupSchema, ...problems(400, 401, 422) },
    },
  }, async (request) => {
    const q = request.query as { lon: number; lat: number; crs: 'wgs84' | 'gcj02'; date?: string };
    return service.lookup(ctx, principalOf(request), q.lon, q.lat, q.crs, service.dateOrToday(ctx, q.date));
  });
}
