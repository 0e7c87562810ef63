/**
 * The city model: administrative divisions (行政区划) with validity dates.
 *
 * A division is identified by its code (GB/T 2260 for city and county level, the
 * 9-digit township code for 乡镇街道, the 12-digit code for 村居). Each row is one
 * *version* of a division, valid on [validFrom, validTo); an adjustment (行政区划调整)
 * closes old versions and opens new ones, so a case keeps the division valid when it
 * happened. Dates are ISO calendar dates ('YYYY-MM-DD') in China Standard Time.
 */

/** 市 city · 区县 district/county · 乡镇街道 street/town · 村居 village/community. */
export type DivisionLevel = 'city' | 'district' | 'street' | 'community';

export const DIVISION_LEVELS: readonly DivisionLevel[] = ['city', 'district', 'street', 'community'];

/** Kind of a street-level division: 街道 (urban sub-district) or 镇/乡 (town/township). */
export type StreetKind = 'subdistrict' | 'town' | 'township';

/** GeoJSON geometry used throughout: [lon, lat] positions, WGS84 unless `crs` says otherwise. */
export type Position = [number, number];
export type PolygonCoords = Position[][];
export type Geometry =
  | { type: 'Polygon'; coordinates: PolygonCoords }
  | { type: 'MultiPolygon'; coordinates: PolygonCoords[] };

export interface DivisionVersion {
  code: string;
  name: string;
  level: DivisionLevel;
  parentCode: string | null;
  /** First day this version is valid (inclusive). */
  validFrom: string;
  /** First day this version is no longer valid (exclusive); null while current. */
  validTo: string | null;
  /** True for codes not yet published officially; an import may replace them. */
  provisional: boolean;
  /** The change set (调整批次) that created this version, e.g. 'base-2023' or 'cq-2026-liangjiang'. */
  changeSet: string;
}

/**
 * A management zone (管理区) runs district-level centers over streets without
 * changing their division codes, e.g. 重庆高新区 直管园 and 万盛经开区.
 */
export interface ManagementZone {
  code: string;
  name: string;
  /** Street-level division codes whose centers report to this zone instead of their district. */
  streetCodes: string[];
}

/** A dated change set applied over the base division list. */
export interface DivisionChangeSet {
  id: string;
  name: string;
  effectiveDate: string;
  /** Versions to close on effectiveDate (by code). */
  close: string[];
  /** New versions opening on effectiveDate. */
  open: Omit<DivisionVersion, 'validFrom' | 'validTo' | 'changeSet'>[];
}

/** Start of the base division list (the 2023 national codes). */
export const BASE_VALID_FROM = '2023-01-01';
