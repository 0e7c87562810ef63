/**
 * Case data for the one map (一图掌控): clusters per zoom and box computed in the database (what
 * the console draws), compact points for clients that cluster themselves, and counts by sub-area for the choropleth and the numbers beside the breadcrumbs. Both are
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

/** Server-side clusters for the one map: what the client draws, a few thousand features at most, whatever the case count. */
export interface MapClusters {
  division: string;
  zoom: number;
  /** Cases in the box (the sum of `counts`, unless truncated). */
  total: number;
  /** True when more cells were filled than the answer carries (the fullest were kept). */
  truncated: boolean;
  /** Cluster positions (mean of the members) flattened: [lon0, lat0, lon1, lat1, …] (WGS84, 5 decimals). */
  coords: number[];
  counts: number[];
  /** Overdue cases in each cluster. */
  overdue: number[];
  /** The case id where a cluster is one case, else null. */
  ids: (string | null)[];
}

/** Cell side in screen pixels: about a cluster circle's size and spacing. */
export const CLUSTER_CELL_PX = 64;
export const MAX_CLUSTERS = 5000;

/**
 * The lattice cell at a map zoom (512-pixel tiles, as MapLibre draws): CLUSTER_CELL_PX wide, and
 * as tall on screen at latitude `lat` (Web Mercator stretches latitude by 1 / cos).
 */
export function clusterCell(zoom: number, lat: number): { lon: number; lat: number } {
  const lon = (360 * CLUSTER_CELL_PX) / (512 * 2 ** zoom);
  return { lon, lat: lon * Math.cos((lat * Math.PI) / 180) };
}

/** The box grown outward to whole cells, so cells at its edge are counted whole. */
export function snapToCells(box: readonly [number, number, number, number], cell: { lon: number; lat: number }): [number, number, number, number] {
  return [
    Math.floor(box[0] / cell.lon) * cell.lon, Math.floor(box[1] / cell.lat) * cell.lat,
    Math.ceil(box[2] / cell.lon) * cell.lon, Math.ceil(box[3] / cell.lat) * cell.lat,
  ];
}

export async function mapClusters(ctx: AppContext, principal: Principal, q: { division: string; open: boolean; zoom: number; bbox: [number, number, number, number] }): Promise<MapClusters> {
  const area = areaOf(ctx, principal, q.division);
  const reach = reachOf(principal, await unitDirectory(ctx));
  const cell = clusterCell(q.zoom, (q.bbox[1] + q.bbox[3]) / 2);
  const rows = await store.mapClusters(ctx.db, reach, area.level === 'city' ? null : { level: area.level, code: area.code }, q.open, ctx.clock(),
    snapToCells(q.bbox, cell), cell, MAX_CLUSTERS + 1);
  const kept = rows.slice(0, MAX_CLUSTERS);
  const coords = new Array<number>(kept.length * 2);
  kept.forEach((r, i) => {
    coords[i * 2] = round5(r.lon);
    coords[i * 2 + 1] = round5(r.lat);
  });
  return {
    division: area.code, zoom: q.zoom, total: kept.reduce((sum, r) => sum + r.n, 0), truncated: rows.length > MAX_CLUSTERS,
    coords, counts: kept.map((r) => r.n), overdue: kept.map((r) => r.overdue), ids: kept.map((r) => (r.n === 1 ? r.id : null)),
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
