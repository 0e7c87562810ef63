/** SQL for divisions, grids and management zones. Only this file touches those tables. */
import type { Queryable } from '../storage/db.ts';
import type { DivisionVersion, Geometry, ManagementZone } from './model.ts';

export interface StoredGeometry {
  geometry: Geometry;
  crs: 'wgs84';
  source: string;
  synthetic: boolean;
}

export type DivisionRecord = DivisionVersion & { shape?: StoredGeometry };

interface DivisionRow {
  code: string; valid_from: string; valid_to: string | null; name: string; level: DivisionVersion['level'];
  parent_code: string | null; provisional: boolean; change_set: string;
}

const BATCH = 1000;

export async function insertDivisions(tx: Queryable, records: readonly DivisionRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH).map((d) => ({
      code: d.code, valid_from: d.validFrom, valid_to: d.validTo, name: d.name, level: d.level, parent_code: d.parentCode,
      provisional: d.provisional, change_set: d.changeSet, geometry: d.shape?.geometry ?? null, geometry_crs: d.shape?.crs ?? null,
      geometry_source: d.shape?.source ?? null, synthetic: d.shape?.synthetic ?? false,
    }));
    await tx.query(
      `insert into division (code, valid_from, valid_to, name, level, parent_code, provisional, change_set, geometry, geometry_crs, geometry_source, synthetic)
       select * from jsonb_to_recordset($1::jsonb) as d(code text, valid_from date, valid_to date, name text, level text, parent_code text,
         provisional boolean, change_set text, geometry jsonb, geometry_crs text, geometry_source text, synthetic boolean)`,
      [JSON.stringify(batch)],
    );
  }
}

export async function loadVersions(db: Queryable): Promise<DivisionVersion[]> {
  const rows = await db.query<DivisionRow>(
    'select code, valid_from, valid_to, name, level, parent_code, provisional, change_set from division order by code, valid_from',
  );
  return rows.map((r) => ({
    code: r.code, validFrom: r.valid_from, validTo: r.valid_to, name: r.name, level: r.level, parentCode: r.parent_code,
    provisional: r.provisional, changeSet: r.change_set,
  }));
}

export async function countDivisions(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from division');
  return row.n;
}

export async function getDivisionShape(db: Queryable, code: string, validFrom: string): Promise<StoredGeometry | undefined> {
  const [row] = await db.query<{ geometry: Geometry | null; geometry_crs: 'wgs84'; geometry_source: string; synthetic: boolean }>(
    'select geometry, geometry_crs, geometry_source, synthetic from division where code = $1 and valid_from = $2',
    [code, validFrom],
  );
  return row?.geometry ? { geometry: row.geometry, crs: row.geometry_crs, source: row.geometry_source, synthetic: row.synthetic } : undefined;
}

/** Replaces the geometry of every version of a division (an import of real boundaries). */
export async function setDivisionShape(tx: Queryable, code: string, shape: StoredGeometry): Promise<number> {
  const rows = await tx.query(
    'update division set geometry = $2, geometry_crs = $3, geometry_source = $4, synthetic = $5 where code = $1 returning 1',
    [code, JSON.stringify(shape.geometry), shape.crs, shape.source, shape.synthetic],
  );
  return rows.length;
}

export interface GridRecord {
  code: string;
  communityCode: string;
  name: string;
  geometry: Geometry;
  synthetic: boolean;
  source: string;
}

export async function insertGrids(tx: Queryable, grids: readonly GridRecord[]): Promise<void> {
  for (let i = 0; i < grids.length; i += BATCH * 2) {
    const batch = grids.slice(i, i + BATCH * 2).map((g) => ({
      code: g.code, community_code: g.communityCode, name: g.name, geometry: g.geometry, synthetic: g.synthetic, source: g.source,
    }));
    await tx.query(
      `insert into grid (code, community_code, name, geometry, synthetic, source)
       select * from jsonb_to_recordset($1::jsonb) as g(code text, community_code text, name text, geometry jsonb, synthetic boolean, source text)
       on conflict (code) do update set community_code = excluded.community_code, name = excluded.name,
         geometry = excluded.geometry, synthetic = excluded.synthetic, source = excluded.source`,
      [JSON.stringify(batch)],
    );
  }
}

export async function deleteGridsOf(tx: Queryable, communityCodes: readonly string[]): Promise<number> {
  const rows = await tx.query('delete from grid where community_code = any($1::text[]) returning 1', [communityCodes]);
  return rows.length;
}

/** All grids with their geometry, paged by code so no single result holds everything at once. */
export async function* streamGrids(db: Queryable, page = 10_000): AsyncGenerator<GridRecord[]> {
  let after = '';
  for (;;) {
    const rows = await db.query<{ code: string; community_code: string; name: string; geometry: Geometry; synthetic: boolean; source: string }>(
      'select code, community_code, name, geometry, synthetic, source from grid where code > $1 order by code limit $2',
      [after, page],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({ code: r.code, communityCode: r.community_code, name: r.name, geometry: r.geometry, synthetic: r.synthetic, source: r.source }));
    if (rows.length < page) return;
    after = rows[rows.length - 1].code;
  }
}

export async function getGrid(db: Queryable, code: string): Promise<GridRecord | undefined> {
  const [r] = await db.query<{ code: string; community_code: string; name: string; geometry: Geometry; synthetic: boolean; source: string }>(
    'select * from grid where code = $1', [code],
  );
  return r && { code: r.code, communityCode: r.community_code, name: r.name, geometry: r.geometry, synthetic: r.synthetic, source: r.source };
}

export async function listGridsOf(db: Queryable, communityCode: string): Promise<Omit<GridRecord, 'geometry'>[]> {
  const rows = await db.query<{ code: string; community_code: string; name: string; synthetic: boolean; source: string }>(
    'select code, community_code, name, synthetic, source from grid where community_code = $1 order by code', [communityCode],
  );
  return rows.map((r) => ({ code: r.code, communityCode: r.community_code, name: r.name, synthetic: r.synthetic, source: r.source }));
}

export async function countGrids(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from grid');
  return row.n;
}

export async function insertZones(tx: Queryable, zones: readonly ManagementZone[]): Promise<void> {
  for (const z of zones) {
    await tx.query('insert into management_zone (code, name, street_codes) values ($1, $2, $3)', [z.code, z.name, z.streetCodes]);
  }
}

export async function loadZones(db: Queryable): Promise<ManagementZone[]> {
  const rows = await db.query<{ code: string; name: string; street_codes: string[] }>('select * from management_zone order by code');
  return rows.map((r) => ({ code: r.code, name: r.name, streetCodes: r.street_codes }));
}

/** Geometries of several division versions in one query. */
export async function getDivisionShapes(db: Queryable, keys: readonly { code: string; validFrom: string }[]): Promise<Map<string, StoredGeometry>> {
  if (keys.length === 0) return new Map();
  const rows = await db.query<{ code: string; geometry: Geometry | null; geometry_crs: 'wgs84'; geometry_source: string; synthetic: boolean }>(
    `select d.code, d.geometry, d.geometry_crs, d.geometry_source, d.synthetic
       from division d join unnest($1::text[], $2::date[]) as k(code, valid_from) on d.code = k.code and d.valid_from = k.valid_from`,
    [keys.map((k) => k.code), keys.map((k) => k.validFrom)],
  );
  const shapes = new Map<string, StoredGeometry>();
  for (const r of rows) {
    if (r.geometry) shapes.set(r.code, { geometry: r.geometry, crs: r.geometry_crs, source: r.geometry_source, synthetic: r.synthetic });
  }
  return shapes;
}
