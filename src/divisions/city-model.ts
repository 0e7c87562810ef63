/**
 * The city model in memory: the versioned division tree and a spatial index over every
 * unit grid, loaded from the database at start. A point resolves to its grid, and the grid's
 * community code leads up the tree as of the date asked, so a case from 2025 in today's
 * 两江新区 still resolves to 江北区.
 */
import type { Queryable } from '../storage/db.ts';
import { PolygonIndex } from '../geo/point-index.ts';
import { DivisionTree } from './tree.ts';
import type { DivisionLevel, DivisionVersion, ManagementZone } from './model.ts';
import { loadAllGrids, loadGridIndexSnapshot, loadVersions, loadZones, saveGridIndexSnapshot } from './store.ts';

export interface GridRef { code: string; communityCode: string; name: string }

export interface DivisionRef { code: string; name: string; provisional: boolean }

export interface Location {
  date: string;
  grid: { code: string; name: string };
  community: DivisionRef;
  street: DivisionRef;
  district: DivisionRef;
  city: DivisionRef;
  /** The management zone running this street's center, when there is one (重庆高新区, 万盛经开区). */
  zone: { code: string; name: string } | null;
}

const ref = (d: DivisionVersion): DivisionRef => ({ code: d.code, name: d.name, provisional: d.provisional });

export class CityModel {
  readonly tree: DivisionTree;
  readonly zones: readonly ManagementZone[];
  readonly #grids: PolygonIndex<GridRef>;
  readonly #zoneOfStreet = new Map<string, ManagementZone>();

  constructor(tree: DivisionTree, zones: readonly ManagementZone[], grids: PolygonIndex<GridRef>) {
    this.tree = tree;
    this.zones = zones;
    this.#grids = grids;
    for (const zone of zones) for (const street of zone.streetCodes) this.#zoneOfStreet.set(street, zone);
  }

  /** Loads the model; the grid index comes from its stored snapshot, rebuilt (and stored) when absent. */
  static async load(db: Queryable, now: Date = new Date()): Promise<CityModel> {
    const [versions, zones, snapshot] = await Promise.all([loadVersions(db), loadZones(db), loadGridIndexSnapshot(db)]);
    let grids: PolygonIndex<GridRef>;
    if (snapshot) {
      grids = PolygonIndex.fromBuffer<GridRef>(snapshot.data);
    } else {
      const rows = await loadAllGrids(db);
      grids = new PolygonIndex(rows.map((g) => ({ value: { code: g.code, communityCode: g.communityCode, name: g.name }, geometry: g.geometry })));
      if (rows.length > 0) await saveGridIndexSnapshot(db, rows.length, grids.toBuffer(), now);
    }
    return new CityModel(new DivisionTree(versions), zones, grids);
  }

  get gridCount(): number {
    return this.#grids.size;
  }

  /** Grids whose outline's bounding box meets [minLon, minLat, maxLon, maxLat], at most `limit` that `accept` lets through. */
  gridsIn(bbox: readonly [number, number, number, number], limit: number, accept: (grid: GridRef) => boolean) {
    return this.#grids.search(bbox[0], bbox[1], bbox[2], bbox[3], limit, accept);
  }

  /** Grid, community, street, district and city of a WGS84 point as of `date`; undefined outside the city. */
  locate(lon: number, lat: number, date: string): Location | undefined {
    const grid = this.#grids.find(lon, lat);
    if (!grid) return undefined;
    const chain = this.tree.ancestors(grid.communityCode, date);
    const byLevel = new Map<DivisionLevel, DivisionVersion>(chain.map((d) => [d.level, d]));
    const community = byLevel.get('community');
    const street = byLevel.get('street');
    const district = byLevel.get('district');
    const city = byLevel.get('city');
    // A grid whose community did not exist yet on that date has no answer for that date.
    if (!community || !street || !district || !city) return undefined;
    const zone = this.#zoneOfStreet.get(street.code);
    return {
      date,
      grid: { code: grid.code, name: grid.name },
      community: ref(community), street: ref(street), district: ref(district), city: ref(city),
      zone: zone ? { code: zone.code, name: zone.name } : null,
    };
  }
}
