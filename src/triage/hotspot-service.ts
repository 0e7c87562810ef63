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

/**
 * Counts new cases (with their categories) towards hotspots: one insert and one grouped count
 * for the lot, then a transaction only where a cell crossed the rule. Returns the hotspots raised.
 */
export async function noteForHotspots(ctx: AppContext, reports: readonly { c: Case; categoryCode: string }[], rule: HotspotRule = HOTSPOT_RULE): Promise<store.HotspotRow[]> {
  if (reports.length === 0) return [];
  const cells = reports.map(({ c, categoryCode }) => ({ caseId: c.id, cell: cellOf(c.lon, c.lat, rule), categoryCode, createdAt: c.createdAt }));
  await store.recordCells(ctx.db, cells);
  const counts = await store.countCells(ctx.db, cells.map(({ cell, categoryCode, createdAt }) => {
    const at = new Date(createdAt);
    const { windowFrom, baselineFrom } = spans(at, rule);
    return { cell, categoryCode, baselineFrom, windowFrom, at };
  }));
  // Reports that put their cell over the rule, grouped by cell and category (reports come oldest first).
  const crossings = new Map<string, Crossing[]>();
  for (const [i, { c, categoryCode }] of reports.entries()) {
    const { recent, before } = counts[i];
    const baseline = baselinePerWindow(before, rule);
    if (!isHotspot(recent, baseline, rule)) continue;
    const key = `${cells[i].cell}|${categoryCode}`;
    const group = crossings.get(key) ?? [];
    group.push({ c, cell: cells[i].cell, categoryCode, count: recent, baseline, at: new Date(c.createdAt) });
    crossings.set(key, group);
  }
  return crossings.size ? raiseHotspots(ctx, [...crossings.values()], rule) : [];
}

interface Crossing { c: Case; cell: string; categoryCode: string; count: number; baseline: number; at: Date }

/**
 * For each cell and category crossed: a hotspot still active is brought up to the latest report;
 * otherwise the first crossing report raises a new one and its owning center is told. One
 * transaction for the lot, under the cells' locks.
 */
async function raiseHotspots(ctx: AppContext, groups: readonly Crossing[][], rule: HotspotRule): Promise<store.HotspotRow[]> {
  const keys = groups.map((g) => ({ cell: g[0].cell, categoryCode: g[0].categoryCode }));
  const raised = await ctx.db.transaction(async (tx) => {
    await store.lockCells(tx, keys);
    const latest = await store.latestHotspots(tx, keys);
    const seen: { id: string; count: number; at: Date }[] = [];
    const created: { hotspot: store.HotspotRow; first: Crossing }[] = [];
    for (const group of groups) {
      const first = group[0];
      const last = group[group.length - 1];
      const active = latest.get(`${first.cell}|${first.categoryCode}`);
      if (active && stillActive(new Date(active.lastSeenAt), first.at, rule)) {
        seen.push({ id: active.id, count: last.count, at: last.at });
        continue;
      }
      const { lon, lat } = cellShape(first.cell);
      const c = first.c;
      const hotspot: store.HotspotRow = {
        id: ctx.newId('hot'), cell: first.cell, resolution: rule.resolution, categoryCode: first.categoryCode, districtCode: c.districtCode, streetCode: c.streetCode,
        communityCode: c.communityCode, ownerUnitId: c.ownerUnitId, lon, lat, count: first.count, peak: first.count, baseline: first.baseline, windowHours: rule.windowHours,
        raisedAt: first.at.toISOString(), lastSeenAt: first.at.toISOString(),
      };
      await store.insertHotspot(tx, hotspot);
      if (last !== first) seen.push({ id: hotspot.id, count: last.count, at: last.at });
      const name = categoryByCode(first.categoryCode)?.name ?? first.categoryCode;
      await notifyUsers(tx, {
        unitIds: [c.ownerUnitId], at: ctx.clock(), kind: 'triage.hotspot', title: `热点: ${name} ${rule.windowHours} 小时内 ${first.count} 件`,
        body: `${c.address ?? c.title} 附近 ${name} 集中上报 (平常约 ${first.baseline} 件)`, subject: { type: 'hotspot', id: hotspot.id },
      });
      created.push({ hotspot, first });
    }
    await store.markSeen(tx, seen);
    return created;
  });
  for (const { hotspot, first } of raised) {
    const { c } = first;
    const name = categoryByCode(hotspot.categoryCode)?.name ?? hotspot.categoryCode;
    ctx.bus.publish({
      id: ctx.newId('evt'), type: 'triage.hotspot-raised', at: ctx.clock().toISOString(), subject: { type: 'hotspot', id: hotspot.id },
      scope: { divisionCodes: ['500000', c.districtCode, c.streetCode, c.communityCode], unitIds: [c.ownerUnitId], userIds: [] },
      payload: { categoryCode: hotspot.categoryCode, categoryName: name, cell: hotspot.cell, count: hotspot.count, baseline: hotspot.baseline, windowHours: rule.windowHours, lon: hotspot.lon, lat: hotspot.lat, title: `热点: ${name}` },
    });
  }
  return raised.map((r) => r.hotspot);
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
