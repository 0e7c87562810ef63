/**
 * Imports that replace synthetic or provisional data with a city's real data:
 * official division lists (CSV, with dates and code replacements) and real boundaries
 * (GeoJSON) for streets, communities or grids. All or nothing: any bad row refuses the file.
 */
import { basename } from 'node:path';
import type { Db, Queryable } from '../storage/db.ts';
import { appendAudit } from '../audit/index.ts';
import { toWgs84, type Crs } from '../geo/crs.ts';
import type { Geometry, PolygonCoords, Position } from './model.ts';
import { mergeOfficialList, parseOfficialList, type OfficialListMergeSummary } from './official-list.ts';
import { getDivisionShapes, deleteGridsOf, insertDivisions, insertGrids, loadVersions, setDivisionShape, type GridRecord } from './store.ts';

export interface ImportError { item: string; message: string }

export type ImportOutcome<T> = { ok: true; summary: T } | { ok: false; errors: ImportError[] };

/** `onRenamed` lets other features follow a replaced code in the same transaction. */
export async function importOfficialList(
  db: Db, text: string, file: string, at: Date,
  onRenamed: (tx: Queryable, from: string, to: string) => Promise<unknown> = async () => undefined,
): Promise<ImportOutcome<OfficialListMergeSummary>> {
  const parsed = parseOfficialList(text);
  if (parsed.errors.length) return { ok: false, errors: parsed.errors.map((e) => ({ item: `line ${e.line}`, message: e.message })) };
  const current = await loadVersions(db);
  let merged;
  try {
    merged = mergeOfficialList(current, parsed.rows, { changeSet: `official-list:${basename(file)}` });
  } catch (error) {
    return { ok: false, errors: [{ item: basename(file), message: (error as Error).message }] };
  }
  const renamed = new Map(merged.summary.replaced.map((r) => [r.to, r.from]));
  const shapes = await getDivisionShapes(db, current.map((v) => ({ code: v.code, validFrom: v.validFrom })));
  await db.transaction(async (tx) => {
    await tx.query('delete from division');
    await insertDivisions(tx, merged.versions.map((v) => {
      const shape = shapes.get(v.code) ?? shapes.get(renamed.get(v.code) ?? '');
      return { ...v, shape };
    }));
    for (const r of merged.summary.replaced) await onRenamed(tx, r.from, r.to);
    await appendAudit(tx, { at, actor: null, action: 'division.import_list', entityType: 'division', entityId: basename(file), after: merged.summary });
  });
  return { ok: true, summary: merged.summary };
}

export type BoundaryLevel = 'street' | 'community' | 'grid';

interface FeatureIn { type?: unknown; properties?: Record<string, unknown> | null; geometry?: { type?: unknown; coordinates?: unknown } | null }

function checkPosition(p: unknown): p is Position {
  return Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number'
    && Number.isFinite(p[0]) && Number.isFinite(p[1]) && Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90;
}

function checkPolygon(coords: unknown): coords is PolygonCoords {
  return Array.isArray(coords) && coords.length > 0
    && coords.every((ring) => Array.isArray(ring) && ring.length >= 4 && ring.every(checkPosition));
}

function convert(geometry: Geometry, crs: Crs): Geometry {
  const ring = (r: Position[]) => r.map(([x, y]) => {
    const [a, b] = toWgs84(x, y, crs);
    return [Math.round(a * 1e6) / 1e6, Math.round(b * 1e6) / 1e6] as Position;
  });
  return geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map(ring) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(ring)) };
}

function readGeometry(g: FeatureIn['geometry']): Geometry | string {
  if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) return 'geometry must be a Polygon or MultiPolygon';
  if (g.type === 'Polygon' ? !checkPolygon(g.coordinates) : !(Array.isArray(g.coordinates) && g.coordinates.length > 0 && g.coordinates.every(checkPolygon))) {
    return 'coordinates must be closed rings of at least 4 [lon, lat] positions within ±180/±90';
  }
  return g as Geometry;
}

export async function importBoundaries(db: Db, text: string, file: string, level: BoundaryLevel, crs: Crs, at: Date): Promise<ImportOutcome<{ level: BoundaryLevel; features: number; communities?: number }>> {
  let doc: { type?: unknown; features?: unknown };
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, errors: [{ item: basename(file), message: `not JSON: ${(error as Error).message}` }] };
  }
  if (doc?.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    return { ok: false, errors: [{ item: basename(file), message: 'expected a GeoJSON FeatureCollection' }] };
  }
  const versions = await loadVersions(db);
  const known = new Map<string, string>(versions.map((v) => [v.code, v.level]));
  const errors: ImportError[] = [];
  const items: { code: string; name: string; communityCode: string; geometry: Geometry }[] = [];
  const seen = new Set<string>();
  (doc.features as FeatureIn[]).forEach((f, i) => {
    const item = `feature ${i}`;
    const props = f?.properties ?? {};
    const code = String(props.code ?? props.CODE ?? '');
    const geometry = readGeometry(f?.geometry);
    if (typeof geometry === 'string') return errors.push({ item, message: geometry });
    if (seen.has(code)) return errors.push({ item, message: `code ${code} appears twice` });
    seen.add(code);
    if (level === 'grid') {
      if (!/^\d{14}$/.test(code)) return errors.push({ item, message: `grid code must be 14 digits (community code + serial), got "${code}"` });
      const communityCode = String(props.community_code ?? code.slice(0, 12));
      if (known.get(communityCode) !== 'community') return errors.push({ item, message: `community ${communityCode} is unknown` });
      items.push({ code, name: String(props.name ?? `${code.slice(12)}号网格`), communityCode, geometry: convert(geometry, crs) });
    } else {
      if (known.get(code) !== level) return errors.push({ item, message: `${code || '(no code)'} is not a known ${level}` });
      items.push({ code, name: '', communityCode: '', geometry: convert(geometry, crs) });
    }
  });
  if (errors.length) return { ok: false, errors };
  const source = `import:${basename(file)}`;
  await db.transaction(async (tx) => {
    if (level === 'grid') {
      const communities = [...new Set(items.map((g) => g.communityCode))];
      await deleteGridsOf(tx, communities);
      const grids: GridRecord[] = items.map((g) => ({ code: g.code, communityCode: g.communityCode, name: g.name, geometry: g.geometry, synthetic: false, source }));
      await insertGrids(tx, grids);
    } else {
      for (const item of items) await setDivisionShape(tx, item.code, { geometry: item.geometry, crs: 'wgs84', source, synthetic: false });
    }
    await appendAudit(tx, { at, actor: null, action: `${level}.import_boundaries`, entityType: level, entityId: basename(file), after: { features: items.length, crs } });
  });
  return { ok: true, summary: { level, features: items.length, ...(level === 'grid' ? { communities: new Set(items.map((g) => g.communityCode)).size } : {}) } };
}
