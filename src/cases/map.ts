/**
 * Case data for the one map (一图掌控): compact points for clustering and heat on the client,
 * and counts by sub-area for the choropleth and the numbers beside the breadcrumbs. Both are
 * limited to what the caller may see, like the case list.
 */
import type { AppContext } from '../app.ts';
import { getDivision } from '../divisions/service.ts';
import { unitDirectory } from '../org/directory.ts';
import type { Principal } from '../org/model.ts';
import { reachOf } from './access.ts';
import * as store from './store.ts';
import { CASE_STATUSES, STATUS_ZH } from './workflow.ts';

export interface MapPoints {
  division: string;
  count: number;
  /** True when more cases matched than `limit`: the newest were kept. */
  truncated: boolean;
  /** Status names by index, for the `status` column. */
  statuses: { code: string; name: string }[];
  ids: string[];
  /** Longitude, latitude pairs flattened: [lon0, lat0, lon1, lat1, …] (WGS84, 5 decimals). */
  coords: number[];
  status: number[];
  /** 1 when past its deadline. */
  overdue: number[];
}

const statusIndex = new Map(CASE_STATUSES.map((s, i) => [s, i]));
const round5 = (v: number) => Math.round(v * 1e5) / 1e5;

/** The division as an area filter; the whole city is no filter. */
function areaOf(ctx: AppContext, principal: Principal, code: string): { level: store.AreaLevel | 'city'; code: string; name: string } {
  const d = getDivision(ctx, principal, code, ctx.today());
  return { level: d.level, code: d.code, name: d.name };
}

export async function mapPoints(ctx: AppContext, principal: Principal, q: { division: string; open: boolean; limit: number }): Promise<MapPoints> {
  const area = areaOf(ctx, principal, q.division);
  const reach = reachOf(principal, await unitDirectory(ctx));
  const rows = await store.mapPoints(ctx.db, reach, area.level === 'city' ? null : { level: area.level, code: area.code }, q.open, ctx.clock(), q.limit + 1);
  const kept = rows.slice(0, q.limit);
  const coords = new Array<number>(kept.length * 2);
  kept.forEach((r, i) => {
    coords[i * 2] = round5(r.lon);
    coords[i * 2 + 1] = round5(r.lat);
  });
  return {
    division: area.code, count: kept.length, truncated: rows.length > q.limit,
    statuses: CASE_STATUSES.map((s) => ({ code: s, name: STATUS_ZH[s] })),
    ids: kept.map((r) => r.id), coords, status: kept.map((r) => statusIndex.get(r.status) ?? 0), overdue: kept.map((r) => (r.overdue ? 1 : 0)),
  };
}

export interface AreaCounts { total: number; open: number; overdue: number; closed: number; rated: number; satisfaction: number | null }
export interface AreaStats {
  division: { code: string; name: string; level: string };
  totals: AreaCounts;
  children: (AreaCounts & { code: string; name: string })[];
}

/** Counts for the area and each sub-area one level down (districts of the city, streets of a district, communities of a street). */
export async function areaStats(ctx: AppContext, principal: Principal, division: string): Promise<AreaStats> {
  const area = areaOf(ctx, principal, division);
  const reach = reachOf(principal, await unitDirectory(ctx));
  const rows = await store.areaStats(ctx.db, reach, area, ctx.clock());
  const date = ctx.today();
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const children = ctx.city.tree.children(area.code, date).map((d) => ({ ...emptyCounts(), ...byCode.get(d.code), code: d.code, name: d.name }));
  const totals = rows.reduce<AreaCounts>((t, r) => ({
    total: t.total + r.total, open: t.open + r.open, overdue: t.overdue + r.overdue, closed: t.closed + r.closed, rated: t.rated + r.rated,
    satisfaction: r.satisfaction === null ? t.satisfaction : ((t.satisfaction ?? 0) * t.rated + r.satisfaction * r.rated) / (t.rated + r.rated),
  }), emptyCounts());
  return { division: { code: area.code, name: area.name, level: area.level }, totals, children };
}

function emptyCounts(): AreaCounts {
  return { total: 0, open: 0, overdue: 0, closed: 0, rated: 0, satisfaction: null };
}
