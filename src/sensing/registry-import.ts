/**
 * Bulk sensor import: CSV (one sensor a row, header names the columns) or a GeoJSON
 * FeatureCollection of points (properties carry the same fields). Parsing only; the
 * registry service checks the rows against the city and the organisation.
 */
import { splitCsv } from '../divisions/official-list.ts';

export interface SensorInput {
  code: string;
  type: string;
  lon: number;
  lat: number;
  crs?: 'wgs84' | 'gcj02';
  name?: string;
  unit?: string;
  ownerUnitId?: string;
  /** An existing asset, or a new one when assetType (and assetName) are given too. */
  assetId?: string;
  assetType?: string;
  assetName?: string;
  /** Gateway id or code relaying this sensor's readings. */
  gateway?: string;
  intervalSeconds?: number;
  /** The device's own secret (≥ 16 of A-Z a-z 0-9 _ -); omitted: one is issued on single creation. */
  secret?: string;
}

export interface ParseError { item: string; message: string }

export const CSV_COLUMNS = ['code', 'type', 'lon', 'lat', 'crs', 'name', 'unit', 'owner_unit_id', 'asset_id', 'asset_type', 'asset_name', 'gateway', 'interval_seconds', 'secret'] as const;

const FIELD_OF: Record<string, keyof SensorInput> = {
  code: 'code', type: 'type', lon: 'lon', lat: 'lat', crs: 'crs', name: 'name', unit: 'unit', owner_unit_id: 'ownerUnitId', ownerUnitId: 'ownerUnitId',
  asset_id: 'assetId', assetId: 'assetId', asset_type: 'assetType', assetType: 'assetType', asset_name: 'assetName', assetName: 'assetName',
  gateway: 'gateway', interval_seconds: 'intervalSeconds', intervalSeconds: 'intervalSeconds', secret: 'secret',
};

const NUMERIC = new Set<keyof SensorInput>(['lon', 'lat', 'intervalSeconds']);

/** One record of named raw values to a SensorInput, or the reason it is not one. */
function toInput(raw: Record<string, unknown>): SensorInput | string {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = FIELD_OF[key];
    if (!field || value === undefined || value === null || value === '') continue;
    if (NUMERIC.has(field)) {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) return `${key} must be a number`;
      out[field] = n;
    } else {
      if (typeof value !== 'string' && typeof value !== 'number') return `${key} must be text`;
      out[field] = String(value).trim();
    }
  }
  for (const required of ['code', 'type', 'lon', 'lat'] as const) if (out[required] === undefined) return `${required} is missing`;
  if (out.crs !== undefined && out.crs !== 'wgs84' && out.crs !== 'gcj02') return 'crs must be wgs84 or gcj02';
  return out as unknown as SensorInput;
}

export function parseSensorCsv(text: string): { rows: SensorInput[]; errors: ParseError[] } {
  const csvErrors: { line: number; message: string }[] = [];
  const records = splitCsv(text.startsWith('\uFEFF') ? text.slice(1) : text, csvErrors);
  const fixed: ParseError[] = csvErrors.map((e) => ({ item: `line ${e.line}`, message: e.message }));
  const [header, ...body] = records;
  if (!header) return { rows: [], errors: [{ item: 'line 1', message: 'empty file' }] };
  const unknown = header.fields.filter((f) => !FIELD_OF[f]);
  if (unknown.length) return { rows: [], errors: [{ item: 'line 1', message: `unknown columns: ${unknown.join(', ')} (known: ${CSV_COLUMNS.join(', ')})` }] };
  const rows: SensorInput[] = [];
  for (const record of body) {
    const raw = Object.fromEntries(header.fields.map((name, i) => [name, record.fields[i]]));
    const input = toInput(raw);
    if (typeof input === 'string') fixed.push({ item: `line ${record.line}`, message: input });
    else rows.push(input);
  }
  return { rows, errors: fixed };
}

export function parseSensorGeoJson(text: string): { rows: SensorInput[]; errors: ParseError[] } {
  let doc: { type?: unknown; features?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (error) {
    return { rows: [], errors: [{ item: 'file', message: `not JSON: ${(error as Error).message}` }] };
  }
  if (doc?.type !== 'FeatureCollection' || !Array.isArray(doc.features)) return { rows: [], errors: [{ item: 'file', message: 'expected a GeoJSON FeatureCollection' }] };
  const rows: SensorInput[] = [];
  const errors: ParseError[] = [];
  doc.features.forEach((f: { geometry?: { type?: unknown; coordinates?: unknown }; properties?: Record<string, unknown> | null }, i) => {
    const coords = f?.geometry?.coordinates;
    if (f?.geometry?.type !== 'Point' || !Array.isArray(coords) || typeof coords[0] !== 'number' || typeof coords[1] !== 'number') {
      errors.push({ item: `feature ${i}`, message: 'geometry must be a Point' });
      return;
    }
    const input = toInput({ ...(f.properties ?? {}), lon: coords[0], lat: coords[1] });
    if (typeof input === 'string') errors.push({ item: `feature ${i}`, message: input });
    else rows.push(input);
  });
  return { rows, errors };
}
