/**
 * Hotspots (热点) in the running system: each new case is counted in its H3 cell; when the
 * cell's count of the category in the window passes the rule (hotspots.ts), a hotspot is
 * stored, the owning center gets an inbox notice and a live event — once, not on every
 * further report while it lasts.
 */
import type { AppContext } from '../app.ts';
import { categoryByCode } from '../categories/catalogue.ts';
import type { Case } from '../cases/store.ts';
import { notifyUsers } from '../notify/index.ts';
import type { Principal } from '../org/model.ts';
import { baselinePerWindow, cellOf, cellShape, HOTSPOT_RULE, isHotspot, spans, stillActive, type HotspotRule } from './hotspots.ts';
import * as store from './hotspot-store.ts';
import { jurisdictionStreets } from './jurisdiction.ts';

/** Counts a new case towards hotspots; returns the hotspot it raised, if it raised one. */
export async function noteForHotspots(ctx: AppContext, c: Case, categoryCode: string, rule: HotspotRule = HOTSPOT_RULE): Promise<store.HotspotRow | undefined> {
  const cell = cellOf(c.lon, c.lat, rule);
  const at = new Date(c.createdAt);
  await store.recordCell(ctx.db, { caseId: c.id, cell, categoryCode, createdAt: c.createdAt });
  const { windowFrom, baselineFrom } = spans(at, rule);
  const [count, before] = await Promise.all([
    store.countIn(ctx.db, cell, categoryCode, windowFrom, at), store.countIn(ctx.db, cell, categoryCode, baselineFrom, windowFrom),
  ]);
  const baseline = baselinePerWindow(before, rule);
  if (!isHotspot(count, baseline, rule)) return undefined;
  const name = categoryByCode(categoryCode)?.name ?? categoryCode;
  const raised = await ctx.db.transaction(async (tx) => {
    await store.lockCell(tx, cell, categoryCode);
    const last = await store.latestHotspot(tx, cell, categoryCode);
    if (last && stillActive(new Date(last.lastSeenAt), at, rule)) {
      await store.markSeen(tx, last.id, count, at);
      return undefined;
    }
    const { lon, lat } = cellShape(cell);
    const hotspot: store.HotspotRow = {
      id: ctx.newId('hot'), cell, resolution: rule.resolution, categoryCode, districtCode: c.districtCode, streetCode: c.streetCode,
      communityCode: c.communityCode, ownerUnitId: c.ownerUnitId, lon, lat, count, peak: count, baseline, windowHours: rule.windowHours,
      raisedAt: at.toISOString(), lastSeenAt: at.toISOString(),
    };
    await store.insertHotspot(tx, hotspot);
    await notifyUsers(tx, {
      unitIds: [c.ownerUnitId], at: ctx.clock(), kind: 'triage.hotspot', title: `热点: ${name} ${rule.windowHours} 小时内 ${count} 件`,
      body: `${c.address ?? c.title} 附近 ${name} 集中上报 (平常约 ${baseline} 件)`, subject: { type: 'hotspot', id: hotspot.id },
    });
    return hotspot;
  });
  if (raised) {
    ctx.bus.publish({
      id: ctx.newId('evt'), type: 'triage.hotspot-raised', at: ctx.clock().toISOString(), subject: { type: 'hotspot', id: raised.id },
      scope: { divisionCodes: ['500000', c.districtCode, c.streetCode, c.communityCode], unitIds: [c.ownerUnitId], userIds: [] },
      payload: { categoryCode, categoryName: name, cell, count, baseline, windowHours: rule.windowHours, lon: raised.lon, lat: raised.lat, title: `热点: ${name}` },
    });
  }
  return raised;
}

export interface HotspotView extends store.HotspotRow {
  categoryName: string;
  /** The cell's outline, lon/lat, closed ring. */
  boundary: [number, number][];
}

export interface HotspotQuery { division?: string; categoryCode?: string; from?: Date; to?: Date; limit: number }

/** Hotspots in the caller's jurisdiction, most recently seen first. */
export async function listHotspots(ctx: AppContext, principal: Principal, q: HotspotQuery): Promise<HotspotView[]> {
  const streets = await jurisdictionStreets(ctx, principal, q.division);
  if (streets !== null && streets.length === 0) return [];
  const rows = await store.listHotspots(ctx.db, { ...q, streets });
  return rows.map((h) => ({ ...h, categoryName: categoryByCode(h.categoryCode)?.name ?? h.categoryCode, boundary: cellShape(h.cell).boundary }));
}
