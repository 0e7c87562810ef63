/** Reads of the city model, scoped to the caller's jurisdiction. */
import type { AppContext } from '../app.ts';
import { Problem, notFound } from '../http/errors.ts';
import { jurisdictionOf } from '../org/jurisdiction.ts';
import type { Principal } from '../org/model.ts';
import { toWgs84, type Crs } from '../geo/crs.ts';
import type { DivisionVersion, PolygonCoords } from './model.ts';
import { getDivisionShapes, getGrid, listGridsOf } from './store.ts';
import type { Location } from './city-model.ts';

export interface DivisionView extends DivisionVersion {
  /** Where the caller may go: 'within' their scope, or 'above' it (shown for context only). */
  access: 'within' | 'above';
  zone: { code: string; name: string } | null;
}

function checkDate(date: string): string {
  if (!isRealDate(date)) throw new Problem('CY_VALIDATION', `date ${date} is not a calendar date`, [{ pointer: '/querystring/date', message: 'must be a real YYYY-MM-DD date' }]);
  return date;
}

function isRealDate(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(date);
}

export function dateOrToday(ctx: AppContext, date: string | undefined): string {
  return date === undefined ? ctx.today() : checkDate(date);
}

function view(ctx: AppContext, principal: Principal, d: DivisionVersion, date: string): DivisionView | undefined {
  const j = jurisdictionOf(principal, ctx.city);
  const access = j.covers(d.code, date) ? 'within' : j.isAbove(d.code, date) ? 'above' : undefined;
  if (!access) return undefined;
  const zone = ctx.city.zones.find((z) => z.streetCodes.includes(d.code));
  return { ...d, access, zone: zone ? { code: zone.code, name: zone.name } : null };
}

/** The division as of `date`, or 404 when it doesn't exist then or lies outside the caller's reach. */
export function getDivision(ctx: AppContext, principal: Principal, code: string, date: string): DivisionView & { path: DivisionVersion[] } {
  const d = ctx.city.tree.at(code, date);
  const v = d && view(ctx, principal, d, date);
  if (!v) throw notFound('division', code);
  return { ...v, path: ctx.city.tree.ancestors(code, date).slice(1).reverse() };
}

export function childrenOf(ctx: AppContext, principal: Principal, code: string, date: string): DivisionView[] {
  getDivision(ctx, principal, code, date);
  return ctx.city.tree.children(code, date).flatMap((c) => view(ctx, principal, c, date) ?? []);
}

/** Top of the caller's tree: the city for city-level users and citizens, else their scope roots. */
export function rootsOf(ctx: AppContext, principal: Principal, date: string): DivisionView[] {
  const codes = principal.unit ? principal.unit.scopeInclude : ['500000'];
  return codes.flatMap((code) => {
    const d = ctx.city.tree.at(code, date);
    return d ? view(ctx, principal, d, date) ?? [] : [];
  });
}

export function searchDivisions(ctx: AppContext, principal: Principal, query: string, date: string, limit: number): DivisionView[] {
  // Over-fetch, then drop what the caller may not see.
  return ctx.city.tree.search(query, date, limit * 20).flatMap((d) => view(ctx, principal, d, date) ?? []).slice(0, limit);
}

export function versionsOf(ctx: AppContext, principal: Principal, code: string, today: string): DivisionVersion[] {
  const versions = ctx.city.tree.versionsOf(code);
  const j = jurisdictionOf(principal, ctx.city);
  // Visible when any of its versions lies in the caller's reach on that version's first day.
  const visible = versions.some((v) => j.covers(code, v.validFrom) || j.isAbove(code, v.validFrom) || (v.validTo === null && j.covers(code, today)));
  if (!visible) throw notFound('division', code);
  return versions;
}

export interface Feature {
  type: 'Feature';
  id: string;
  geometry: unknown;
  properties: Record<string, unknown>;
}

function feature(d: DivisionVersion, shape: { geometry: unknown; crs: string; source: string; synthetic: boolean }): Feature {
  return {
    type: 'Feature', id: d.code, geometry: shape.geometry,
    properties: {
      code: d.code, name: d.name, level: d.level, parentCode: d.parentCode, validFrom: d.validFrom, validTo: d.validTo,
      provisional: d.provisional, crs: shape.crs, source: shape.source, synthetic: shape.synthetic,
    },
  };
}

export async function geometryOf(ctx: AppContext, principal: Principal, code: string, date: string, children: boolean) {
  const d = getDivision(ctx, principal, code, date);
  const targets = children ? childrenOf(ctx, principal, code, date) : [d];
  const shapes = await getDivisionShapes(ctx.db, targets.map((t) => ({ code: t.code, validFrom: t.validFrom })));
  const features = targets.flatMap((t) => {
    const shape = shapes.get(t.code);
    return shape ? [feature(t, shape)] : [];
  });
  if (!children) {
    if (!features[0]) throw notFound('geometry of division', code);
    return features[0];
  }
  return { type: 'FeatureCollection' as const, features };
}

export async function gridsOf(ctx: AppContext, principal: Principal, communityCode: string, date: string) {
  const d = getDivision(ctx, principal, communityCode, date);
  if (d.level !== 'community') throw new Problem('CY_UNPROCESSABLE', `${communityCode} is a ${d.level}; grids belong to communities`);
  if (d.access !== 'within') throw notFound('division', communityCode);
  return listGridsOf(ctx.db, communityCode);
}

export async function gridFeature(ctx: AppContext, principal: Principal, code: string, date: string): Promise<Feature> {
  const grid = await getGrid(ctx.db, code);
  if (!grid || !jurisdictionOf(principal, ctx.city).covers(grid.communityCode, date)) throw notFound('grid', code);
  return {
    type: 'Feature', id: grid.code, geometry: grid.geometry,
    properties: { code: grid.code, name: grid.name, communityCode: grid.communityCode, crs: 'wgs84', source: grid.source, synthetic: grid.synthetic },
  };
}

const round5 = (v: number) => Math.round(v * 1e5) / 1e5;
const roundRings = (rings: PolygonCoords): PolygonCoords => rings.map((ring) => ring.map(([x, y]) => [round5(x), round5(y)] as [number, number]));

/**
 * Unit grids (单元网格) in your jurisdiction whose outline meets a box, as GeoJSON with 5-decimal
 * coordinates (about 1 m): the map's grid layer at street zoom. `truncated` when more than `limit` meet it.
 */
export function gridsInBox(ctx: AppContext, principal: Principal, bbox: [number, number, number, number], date: string, limit: number) {
  const j = jurisdictionOf(principal, ctx.city);
  const { items, truncated } = ctx.city.gridsIn(bbox, limit, (g) => j.covers(g.communityCode, date));
  return {
    type: 'FeatureCollection' as const, truncated,
    features: items.map(({ value: g, geometry }) => ({
      type: 'Feature' as const, id: g.code, properties: { code: g.code, name: g.name, communityCode: g.communityCode },
      geometry: geometry.type === 'Polygon'
        ? { type: 'Polygon' as const, coordinates: roundRings(geometry.coordinates) }
        : { type: 'MultiPolygon' as const, coordinates: geometry.coordinates.map(roundRings) },
    })),
  };
}

export interface LookupResult extends Location {
  point: { lon: number; lat: number; crs: 'wgs84' };
  inJurisdiction: boolean;
}

/** Point → grid → community → street → district. GCJ-02 input (phones in China) is converted first. */
export function lookup(ctx: AppContext, principal: Principal, lon: number, lat: number, crs: Crs, date: string): LookupResult {
  const [x, y] = toWgs84(lon, lat, crs);
  const location = ctx.city.locate(x, y, date);
  if (!location) {
    throw new Problem('CY_OUT_OF_AREA', `(${lon}, ${lat}) ${crs.toUpperCase()} is not inside any grid of the city on ${date}`);
  }
  const inJurisdiction = jurisdictionOf(principal, ctx.city).covers(location.community.code, date);
  return { ...location, point: { lon: round6(x), lat: round6(y), crs: 'wgs84' }, inJurisdiction };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
