/**
 * Seeds the real city model: Chongqing's divisions (2023 national codes) with the 2026
 * 两江新区 change set, district outlines from the ECharts map (GCJ-02 → WGS84), synthetic
 * street/community/grid boundaries inside them, and the management zones.
 */
import type { Db } from '../storage/db.ts';
import { appendAudit } from '../audit/index.ts';
import { loadChongqingOutlines } from '../geo/echarts.ts';
import { union } from '../geo/polygon.ts';
import { chongqingCityModel } from './chongqing.ts';
import type { DivisionVersion, Geometry } from './model.ts';
import { generateBoundaries } from './synthetic-boundaries.ts';
import { DivisionTree } from './tree.ts';
import { countDivisions, insertDivisions, insertGrids, insertZones, type DivisionRecord, type GridRecord, type StoredGeometry } from './store.ts';

export type Progress = (step: string, done: number, total: number) => void;

const OUTLINE_SOURCE = 'echarts@4.9.0 map/json/province/chongqing.json (GCJ-02 converted to WGS84)';
const SYNTHETIC_SOURCE = 'synthetic: seeded Voronoi partition of the parent outline';
const UNION_SOURCE = 'union of its streets';

export interface SeedSummary { divisions: number; grids: number; zones: number; skipped: boolean }

/** Builds every row of the city model in memory (pure apart from reading package data). */
export function buildCityModel(progress: Progress = () => undefined): { records: DivisionRecord[]; grids: GridRecord[]; zones: ReturnType<typeof chongqingCityModel>['zones'] } {
  const { versions, zones } = chongqingCityModel();
  const tree = new DivisionTree(versions);
  const outlines = new Map(loadChongqingOutlines().map((o) => [o.code, o.geometry]));

  // Boundaries are generated over the base (2023) tree, where every street still sits in
  // the district whose published outline contains it.
  const baseDate = versions.reduce((min, v) => (v.validFrom < min ? v.validFrom : min), '9999-12-31');
  const baseStreets: { code: string; districtCode: string }[] = [];
  const baseCommunities: { code: string; streetCode: string }[] = [];
  for (const v of versions) {
    if (v.validFrom !== baseDate) continue;
    if (v.level === 'street') baseStreets.push({ code: v.code, districtCode: v.parentCode! });
    if (v.level === 'community') baseCommunities.push({ code: v.code, streetCode: v.parentCode! });
  }
  const districts = [...outlines].map(([code, geometry]) => ({ code, geometry }));
  const generated = generateBoundaries({ districts, streets: baseStreets, communities: baseCommunities }, (done, total) => progress('boundaries', done, total));

  const synthetic = (geometry: Geometry): StoredGeometry => ({ geometry, crs: 'wgs84', source: SYNTHETIC_SOURCE, synthetic: true });
  const shapeOf = (v: DivisionVersion): StoredGeometry | undefined => {
    switch (v.level) {
      case 'city':
        return { geometry: union([...outlines.values()]), crs: 'wgs84', source: `union of district outlines, ${OUTLINE_SOURCE}`, synthetic: false };
      case 'district': {
        const outline = v.validFrom === baseDate ? outlines.get(v.code) : undefined;
        if (outline) return { geometry: outline, crs: 'wgs84', source: OUTLINE_SOURCE, synthetic: false };
        // A district created or reshaped by an adjustment: the union of its streets on that date.
        const parts = tree.children(v.code, v.validFrom).flatMap((s) => generated.streets.get(s.code) ?? []);
        return parts.length ? { geometry: union(parts), crs: 'wgs84', source: UNION_SOURCE, synthetic: true } : undefined;
      }
      case 'street': {
        const g = generated.streets.get(v.code);
        return g && synthetic(g);
      }
      case 'community': {
        const g = generated.communities.get(v.code);
        return g && synthetic(g);
      }
    }
  };
  const records = versions.map((v, i) => {
    if (i % 2000 === 0) progress('outlines', i, versions.length);
    return { ...v, shape: shapeOf(v) };
  });
  const communityName = new Map(versions.filter((v) => v.level === 'community').map((v) => [v.code, v.name]));
  const grids = generated.grids.map((g) => ({
    code: g.code, communityCode: g.communityCode, name: `${communityName.get(g.communityCode) ?? g.communityCode}${Number(g.code.slice(12))}号网格`,
    geometry: g.geometry, synthetic: true, source: SYNTHETIC_SOURCE,
  }));
  return { records, grids, zones };
}

/** Seeds the city model unless divisions are already there. */
export async function seedCityModel(db: Db, at: Date, progress: Progress = () => undefined): Promise<SeedSummary> {
  if ((await countDivisions(db)) > 0) return { divisions: 0, grids: 0, zones: 0, skipped: true };
  const { records, grids, zones } = buildCityModel(progress);
  await db.transaction(async (tx) => {
    for (let i = 0; i < records.length; i += 2000) {
      await insertDivisions(tx, records.slice(i, i + 2000));
      progress('store divisions', Math.min(i + 2000, records.length), records.length);
    }
    for (let i = 0; i < grids.length; i += 10_000) {
      await insertGrids(tx, grids.slice(i, i + 10_000));
      progress('store grids', Math.min(i + 10_000, grids.length), grids.length);
    }
    await insertZones(tx, zones);
    await appendAudit(tx, {
      at, actor: null, action: 'division.seed', entityType: 'division', entityId: '500000',
      after: { versions: records.length, grids: grids.length, zones: zones.map((z) => z.code), changeSets: [...new Set(records.map((r) => r.changeSet))] },
    });
  });
  return { divisions: records.length, grids: grids.length, zones: zones.length, skipped: false };
}
