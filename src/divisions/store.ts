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
  // One aggregated row: per-row decoding dominates when reading ten thousand rows embedded.
  const [{ rows: text }] = await db.query<{ rows: string | null }>(
    `select json_agg(json_build_object('code', code, 'valid_from', valid_from, 'valid_to', valid_to, 'name', name, 'level', level,
       'parent_code', parent_code, 'provisional', provisional, 'change_set', change_set) order by code, valid_from)::text as rows from division`,
  );
  const rows = JSON.parse(text ?? '[]') as DivisionRow[];
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
  await tx.query('delete from grid_index_snapshot');
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
  await tx.query('delete from grid_index_snapshot');
  const rows = await tx.query('delete from grid where community_code = any($1::text[]) returning 1', [communityCodes]);
  return rows.length;
}

/** All grids as one text blob of lines `code|community|name|geometry`: far faster than row by row. */
export async function loadAllGrids(db: Queryable): Promise<{ code: string; communityCode: string; name: string; geometry: Geometry }[]> {
  const [{ text }] = await db.query<{ text: string | null }>(
    `select string_agg(code || E'\t' || community_code || E'\t' || replace(name, E'\t', ' ') || E'\t' || geometry::text, E'\n' order by code) as text from grid`,
  );
  if (!text) return [];
  return text.split('\n').map((line) => {
    const [code, communityCode, name, geometry] = line.split('\t');
    return { code, communityCode, name, geometry: JSON.parse(geometry) as Geometry };
  });
}

export async function loadGridIndexSnapshot(db: Queryable): Promise<{ gridCount: number; data: Uint8Array } | undefined> {
  // base64 text decodes far faster than bytea's hex form in the embedded driver.
  const [row] = await db.query<{ grid_count: number; data: string }>(`select grid_count, encode(data, 'base64') as data from grid_index_snapshot where id = 1`);
  return row && { gridCount: row.grid_count, data: Buffer.from(row.data, 'base64') };
}

export async function saveGridIndexSnapshot(db: Queryable, gridCount: number, data: Uint8Array, at: Date): Promise<void> {
  await db.query(
    `insert into grid_index_snapshot (id, grid_count, built_at, data) values (1, $1, $2, $3)
     on conflict (id) do update set grid_count = excluded.grid_count, built_at = excluded.built_at, data = excluded.data`,
    [gridCount, at, data],
  );
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
