/**
 * Hotspots (热点), pure: reports of one category piling up in one H3 cell within a sliding
 * window, beyond a fixed floor and beyond the cell's own usual rate (its baseline over the
 * days before). A hotspot stays one hotspot while reports keep coming; it is raised anew only
 * after a quiet spell.
 */
import { cellToBoundary, cellToLatLng, latLngToCell } from 'h3-js';

export interface HotspotRule {
  /** H3 resolution: 8 is a hexagon of about 0.7 km² (edge ≈ 530 m), a few blocks. */
  resolution: number;
  /** The sliding window counted, hours. */
  windowHours: number;
  /** Fewest reports in the window that make a hotspot. */
  minCount: number;
  /** …and at least this many times the cell's usual count per window. */
  surgeFactor: number;
  /** Days before the window that give the usual count. */
  baselineDays: number;
  /** A hotspot not seen for this long has ended; the next surge is raised as a new one. */
  quietHours: number;
}

export const HOTSPOT_RULE: HotspotRule = { resolution: 8, windowHours: 24, minCount: 5, surgeFactor: 3, baselineDays: 7, quietHours: 24 };

export function cellOf(lon: number, lat: number, rule: HotspotRule = HOTSPOT_RULE): string {
  return latLngToCell(lat, lon, rule.resolution);
}

/** The cell's centre and outline as lon/lat (GeoJSON order, ring closed). */
export function cellShape(cell: string): { lon: number; lat: number; boundary: [number, number][] } {
  const [lat, lon] = cellToLatLng(cell);
  return { lon: round6(lon), lat: round6(lat), boundary: cellToBoundary(cell, true).map(([x, y]) => [round6(x), round6(y)] as [number, number]) };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** The time spans counted at `now`: the window, and the baseline days before it. */
export function spans(now: Date, rule: HotspotRule = HOTSPOT_RULE): { windowFrom: Date; baselineFrom: Date } {
  const windowFrom = new Date(now.getTime() - rule.windowHours * 3_600_000);
  return { windowFrom, baselineFrom: new Date(windowFrom.getTime() - rule.baselineDays * 86_400_000) };
}

/** The usual count per window from the count over the baseline days. */
export function baselinePerWindow(baselineCount: number, rule: HotspotRule = HOTSPOT_RULE): number {
  return Math.round((baselineCount * rule.windowHours) / (rule.baselineDays * 24) * 100) / 100;
}

/** Whether a window's count is a hotspot given the cell's usual count per window. */
export function isHotspot(count: number, baseline: number, rule: HotspotRule = HOTSPOT_RULE): boolean {
  return count >= rule.minCount && count >= rule.surgeFactor * Math.max(baseline, 1);
}

/** An earlier hotspot of the same cell and category is still the same one when last seen within the quiet spell. */
export function stillActive(lastSeenAt: Date, now: Date, rule: HotspotRule = HOTSPOT_RULE): boolean {
  return now.getTime() - lastSeenAt.getTime() <= rule.quietHours * 3_600_000;
}
