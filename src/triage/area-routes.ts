/** HTTP routes for triage's area overviews: hotspots (热点) and the demand map (需求图谱). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { problems } from '../http/schemas.ts';
import { demandMap, type DemandQuery } from './demand-map.ts';
import { listHotspots } from './hotspot-service.ts';

const Division = Type.String({ pattern: '^[0-9]{6,12}$', description: 'A division code in your jurisdiction (city 500000, district, street or community)' });
const Instant = (description: string) => Type.String({ format: 'date-time', description });

const HotspotSchema = Type.Object({
  id: Type.String(), cell: Type.String({ description: 'H3 cell index' }), resolution: Type.Integer(),
  categoryCode: Type.String(), categoryName: Type.String(), districtCode: Type.String(), streetCode: Type.String(), communityCode: Type.String(),
  ownerUnitId: Type.String({ description: 'The center notified' }), lon: Type.Number(), lat: Type.Number(),
  boundary: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { description: 'Cell outline, lon/lat, closed ring' }),
  count: Type.Integer({ description: 'Reports of the category in the cell within the window when last seen' }), peak: Type.Integer(),
  baseline: Type.Number({ description: 'The cell\'s usual count per window (over the days before)' }), windowHours: Type.Integer(),
  raisedAt: Type.String({ format: 'date-time' }), lastSeenAt: Type.String({ format: 'date-time' }),
});

const TrendProps = {
  count: Type.Integer(), previous: Type.Integer({ description: 'Count in the period of the same length just before' }), change: Type.Integer(),
  changeRate: Type.Union([Type.Number(), Type.Null()], { description: 'change / previous; null when previous is 0' }),
};
const KeyTrend = Type.Object({ key: Type.String(), name: Type.String(), ...TrendProps });
const DemandMapSchema = Type.Object({
  division: Type.Object({ code: Type.String(), name: Type.String(), level: Type.String() }),
  by: Type.String(), granularity: Type.String(), from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }),
  previousFrom: Type.String({ format: 'date-time' }), total: Type.Object(TrendProps), totals: Type.Array(KeyTrend),
  areas: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), ...TrendProps, byKey: Type.Array(KeyTrend) }), { description: 'Child areas (districts, streets, communities or grids), busiest first' }),
  series: Type.Array(Type.Object({ period: Type.String({ description: 'First day of the day, week or month (city time)' }), key: Type.String(), name: Type.String(), count: Type.Integer() })),
});

export async function areaRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.get('/hotspots', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['triage'], summary: 'Hotspots (热点): H3 cells where reports of one category surged, in your jurisdiction, most recently seen first', security: SECURED,
      querystring: Type.Object({
        division: Type.Optional(Division), category: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
        from: Type.Optional(Instant('Active at or after')), to: Type.Optional(Instant('Raised before')),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(HotspotSchema) }), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => {
    const q = request.query as { division?: string; category?: string; from?: string; to?: string; limit: number };
    const items = await listHotspots(ctx, principalOf(request), {
      division: q.division, categoryCode: q.category, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined, limit: q.limit,
    });
    return { items };
  });

  app.get('/demand-map', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['triage'], summary: 'Demand map (需求图谱): cases per child area × domain, category or appeal type, with the change against the previous period', security: SECURED,
      querystring: Type.Object({
        division: Division, from: Type.Optional(Instant('Start (default: 30 days before to)')), to: Type.Optional(Instant('End, exclusive (default: now)')),
        by: Type.Union([Type.Literal('domain'), Type.Literal('category'), Type.Literal('appealType')], { default: 'domain' }),
        granularity: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'day' }),
      }, { additionalProperties: false }),
      response: { 200: DemandMapSchema, ...problems(400, 401, 403, 404) },
    },
  }, async (request) => {
    const q = request.query as { division: string; from?: string; to?: string; by: DemandQuery['by']; granularity: DemandQuery['granularity'] };
    return demandMap(ctx, principalOf(request), { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined });
  });
}
