/** SQL for hotspots (热点): the per-case cells and the hotspots raised. */
import type { Queryable } from '../storage/db.ts';

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

export async function recordCell(db: Queryable, c: { caseId: string; cell: string; categoryCode: string; createdAt: string }): Promise<void> {
  await db.query('insert into triage_case_cell (case_id, cell, category_code, created_at) values ($1, $2, $3, $4) on conflict (case_id) do nothing',
    [c.caseId, c.cell, c.categoryCode, c.createdAt]);
}

/** Reports of a category in a cell with from < created_at <= to. */
export async function countIn(db: Queryable, cell: string, categoryCode: string, from: Date, to: Date): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    'select count(*)::int as n from triage_case_cell where cell = $1 and category_code = $2 and created_at > $3 and created_at <= $4',
    [cell, categoryCode, from, to],
  );
  return n;
}

/** Serialises raising for one cell and category until the transaction ends. */
export async function lockCell(tx: Queryable, cell: string, categoryCode: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`hotspot:${cell}:${categoryCode}`]);
}

export async function latestHotspot(db: Queryable, cell: string, categoryCode: string): Promise<HotspotRow | undefined> {
  const [row] = await db.query<Raw>('select * from triage_hotspot where cell = $1 and category_code = $2 order by last_seen_at desc limit 1', [cell, categoryCode]);
  return row && toRow(row);
}

export async function insertHotspot(tx: Queryable, h: HotspotRow): Promise<void> {
  await tx.query(
    `insert into triage_hotspot (id, cell, resolution, category_code, district_code, street_code, community_code, owner_unit_id, lon, lat, count, peak, baseline, window_hours, raised_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [h.id, h.cell, h.resolution, h.categoryCode, h.districtCode, h.streetCode, h.communityCode, h.ownerUnitId, h.lon, h.lat, h.count, h.peak, h.baseline, h.windowHours, h.raisedAt, h.lastSeenAt],
  );
}

export async function markSeen(tx: Queryable, id: string, count: number, at: Date): Promise<void> {
  await tx.query('update triage_hotspot set count = $2, peak = greatest(peak, $2), last_seen_at = greatest(last_seen_at, $3) where id = $1', [id, count, at]);
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
