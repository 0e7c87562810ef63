/** SQL for hotspots (热点): the per-case cells and the hotspots raised. */
import { prepared, type Queryable } from '../storage/db.ts';

export interface HotspotRow {
  id: string;
  cell: string;
  resolution: number;
  categoryCode: string;
  districtCode: string;
  streetCode: string;
  communityCode: string;
  ownerUnitId: string;
  lon: number;
  lat: number;
  /** Reports in the window when last seen, and the most it reached. */
  count: number;
  peak: number;
  baseline: number;
  windowHours: number;
  raisedAt: string;
  lastSeenAt: string;
}

interface Raw {
  id: string; cell: string; resolution: number; category_code: string; district_code: string; street_code: string; community_code: string;
  owner_unit_id: string; lon: number; lat: number; count: number; peak: number; baseline: number; window_hours: number; raised_at: Date; last_seen_at: Date;
}

const toRow = (r: Raw): HotspotRow => ({
  id: r.id, cell: r.cell, resolution: r.resolution, categoryCode: r.category_code, districtCode: r.district_code, streetCode: r.street_code,
  communityCode: r.community_code, ownerUnitId: r.owner_unit_id, lon: r.lon, lat: r.lat, count: r.count, peak: r.peak, baseline: r.baseline,
  windowHours: r.window_hours, raisedAt: r.raised_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString(),
});

export interface CaseCell { caseId: string; cell: string; categoryCode: string; createdAt: string }

const RECORD_CELLS = prepared(
  `insert into triage_case_cell (case_id, cell, category_code, created_at)
   select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) on conflict (case_id) do nothing`,
);

/** Counts cases in their cells (one statement for the lot); a case already counted is left alone. */
export async function recordCells(db: Queryable, cells: readonly CaseCell[]): Promise<void> {
  if (cells.length === 0) return;
  await db.query(RECORD_CELLS, [cells.map((c) => c.caseId), cells.map((c) => c.cell), cells.map((c) => c.categoryCode), cells.map((c) => c.createdAt)]);
}

/** One count of the hotspot rule: a category's reports in a cell in the window and in the baseline before it. */
export interface CellCountQuery { cell: string; categoryCode: string; baselineFrom: Date; windowFrom: Date; at: Date }

/**
 * For each query, reports with windowFrom < created_at <= at (`recent`) and with
 * baselineFrom < created_at <= windowFrom (`before`); one statement for the lot.
 */
export async function countCells(db: Queryable, queries: readonly CellCountQuery[]): Promise<{ recent: number; before: number }[]> {
  if (queries.length === 0) return [];
  const rows = await db.query<{ i: number; recent: number; before: number }>(
    `select q.i::int as i,
            (count(t.case_id) filter (where t.created_at > q.window_from))::int as recent,
            (count(t.case_id) filter (where t.created_at <= q.window_from))::int as before
       from unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[]) with ordinality as q(cell, category_code, baseline_from, window_from, at, i)
       left join triage_case_cell t on t.cell = q.cell and t.category_code = q.category_code and t.created_at > q.baseline_from and t.created_at <= q.at
      group by q.i`,
    [queries.map((q) => q.cell), queries.map((q) => q.categoryCode), queries.map((q) => q.baselineFrom), queries.map((q) => q.windowFrom), queries.map((q) => q.at)],
  );
  const out = queries.map(() => ({ recent: 0, before: 0 }));
  for (const r of rows) out[r.i - 1] = { recent: r.recent, before: r.before };
  return out;
}

/** Serialises raising for these cells and categories until the transaction ends (locks taken in one order, so never a deadlock). */
export async function lockCells(tx: Queryable, keys: readonly { cell: string; categoryCode: string }[]): Promise<void> {
  const names = [...new Set(keys.map((k) => `hotspot:${k.cell}:${k.categoryCode}`))].sort();
  await tx.query('select pg_advisory_xact_lock(hashtext(k)) from (select k from unnest($1::text[]) as k order by k) as ordered', [names]);
}

/** The most recently seen hotspot of each cell and category asked, keyed `cell|category`. */
export async function latestHotspots(db: Queryable, keys: readonly { cell: string; categoryCode: string }[]): Promise<Map<string, HotspotRow>> {
  if (keys.length === 0) return new Map();
  const rows = await db.query<Raw>(
    `select distinct on (h.cell, h.category_code) h.*
       from triage_hotspot h join unnest($1::text[], $2::text[]) as k(cell, category_code) on h.cell = k.cell and h.category_code = k.category_code
      order by h.cell, h.category_code, h.last_seen_at desc`,
    [keys.map((k) => k.cell), keys.map((k) => k.categoryCode)],
  );
  return new Map(rows.map((r) => [`${r.cell}|${r.category_code}`, toRow(r)]));
}

export async function insertHotspot(tx: Queryable, h: HotspotRow): Promise<void> {
  await tx.query(
    `insert into triage_hotspot (id, cell, resolution, category_code, district_code, street_code, community_code, owner_unit_id, lon, lat, count, peak, baseline, window_hours, raised_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [h.id, h.cell, h.resolution, h.categoryCode, h.districtCode, h.streetCode, h.communityCode, h.ownerUnitId, h.lon, h.lat, h.count, h.peak, h.baseline, h.windowHours, h.raisedAt, h.lastSeenAt],
  );
}

/** Brings hotspots up to their latest report: the count now, the peak, when last seen (one statement for the lot). */
export async function markSeen(tx: Queryable, seen: readonly { id: string; count: number; at: Date }[]): Promise<void> {
  if (seen.length === 0) return;
  await tx.query(
    `update triage_hotspot h set count = s.count, peak = greatest(h.peak, s.count), last_seen_at = greatest(h.last_seen_at, s.at)
       from unnest($1::text[], $2::int[], $3::timestamptz[]) as s(id, count, at) where h.id = s.id`,
    [seen.map((x) => x.id), seen.map((x) => x.count), seen.map((x) => x.at)],
  );
}

export interface HotspotFilter {
  /** Streets the caller covers; null = the whole city. */
  streets: readonly string[] | null;
  /** A district, street or community code, or the city's. */
  division?: string;
  categoryCode?: string;
  /** Hotspots active at some time in [from, to). */
  from?: Date;
  to?: Date;
  limit: number;
}

export async function listHotspots(db: Queryable, f: HotspotFilter): Promise<HotspotRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.streets !== null) where.push(`street_code = any(${p(f.streets)}::text[])`);
  if (f.division) {
    const d = p(f.division);
    where.push(`(${d} = '500000' or district_code = ${d} or street_code = ${d} or community_code = ${d})`);
  }
  if (f.categoryCode) where.push(`category_code = ${p(f.categoryCode)}`);
  if (f.from) where.push(`last_seen_at >= ${p(f.from)}`);
  if (f.to) where.push(`raised_at < ${p(f.to)}`);
  const rows = await db.query<Raw>(
    `select * from triage_hotspot ${where.length ? `where ${where.join(' and ')}` : ''} order by last_seen_at desc, id limit ${p(f.limit)}`,
    params,
  );
  return rows.map(toRow);
}
