/**
 * Vital signs (城市体征): per division, a handful of indicators the operations center watches
 * — sensors online, active alarms by colour, open and overdue cases — and one composite index
 * (0–100, higher is healthier):
 *
 *   index = 100 × (0.30 × online + 0.40 × alarmScore + 0.30 × caseScore)
 *   online     = sensors online / sensors (1 with no sensors)
 *   alarmScore = 1 / (1 + load / scale), load = 1·blue + 2·yellow + 4·orange + 8·red,
 *                scale = max(10, sensors / 100)  (one red per 100 sensors costs as much anywhere)
 *   caseScore  = 1 − overdue / open (1 with no open cases)
 *
 * A worker stores a snapshot of the city and every district every few minutes for the charts.
 */
import type { AppContext } from '../app.ts';
import { alarmCounts } from './alarms/store.ts';
import { sensing } from './index.ts';
import type { AlarmLevel } from './model.ts';
import { caseCounts, insertSnapshots, type VitalSigns } from './vital-signs-store.ts';

export const INDEX_WEIGHTS = { online: 0.3, alarms: 0.4, cases: 0.3 } as const;
export const ALARM_LOAD: Readonly<Record<AlarmLevel, number>> = { blue: 1, yellow: 2, orange: 4, red: 8 };

/** A sensor counts as online when it reported within this many of its intervals. */
const ONLINE_INTERVALS = 3;

export function compositeIndex(v: Omit<VitalSigns, 'compositeIndex' | 'divisionCode' | 'at'>): number {
  const online = v.sensorsTotal ? v.sensorsOnline / v.sensorsTotal : 1;
  const load = (Object.keys(ALARM_LOAD) as AlarmLevel[]).reduce((sum, level) => sum + ALARM_LOAD[level] * v.alarms[level], 0);
  const alarmScore = 1 / (1 + load / Math.max(10, v.sensorsTotal / 100));
  const caseScore = v.openCases ? 1 - v.overdueCases / v.openCases : 1;
  const index = 100 * (INDEX_WEIGHTS.online * online + INDEX_WEIGHTS.alarms * alarmScore + INDEX_WEIGHTS.cases * caseScore);
  return Math.round(index * 10) / 10;
}

/** Current vital signs of each division in `codes` (city, district or street codes). */
export async function computeVitalSigns(ctx: AppContext, codes: readonly string[]): Promise<VitalSigns[]> {
  const now = ctx.clock();
  const s = sensing(ctx);
  await s.registry.ready();
  const sensors = new Map(codes.map((c) => [c, { total: 0, online: 0 }]));
  for (const e of s.registry.all()) {
    if (!e?.active) continue;
    const lastSeen = s.lastSeen(e.num);
    const online = lastSeen > 0 && now.getTime() - lastSeen <= ONLINE_INTERVALS * e.intervalSeconds * 1000;
    for (const code of e.divisionCodes) {
      const tally = sensors.get(code);
      if (!tally) continue;
      tally.total++;
      if (online) tally.online++;
    }
  }
  const [alarms, cases] = await Promise.all([alarmCounts(ctx.db, codes), caseCounts(ctx.db, codes, now)]);
  return codes.map((code) => {
    const v = {
      sensorsTotal: sensors.get(code)!.total, sensorsOnline: sensors.get(code)!.online,
      alarms: alarms.get(code) ?? { blue: 0, yellow: 0, orange: 0, red: 0 },
      openCases: cases.get(code)?.open ?? 0, overdueCases: cases.get(code)?.overdue ?? 0,
    };
    return { divisionCode: code, at: now.toISOString(), ...v, compositeIndex: compositeIndex(v) };
  });
}

/** The city and its districts today. */
export function snapshotDivisions(ctx: AppContext): string[] {
  return ['500000', ...ctx.city.tree.children('500000', ctx.today()).map((d) => d.code)];
}

export const SNAPSHOT_EVERY_MS = 5 * 60_000;

/**
 * Stores one snapshot of the city and every district, stamped at the start of its interval so
 * that several nodes snapshotting the same interval store it once.
 */
export async function snapshotVitalSigns(ctx: AppContext, intervalMs = SNAPSHOT_EVERY_MS): Promise<number> {
  const stamp = new Date(Math.floor(ctx.clock().getTime() / intervalMs) * intervalMs).toISOString();
  const rows = (await computeVitalSigns(ctx, snapshotDivisions(ctx))).map((r) => ({ ...r, at: stamp }));
  await insertSnapshots(ctx.db, rows);
  return rows.length;
}

/** Snapshots every `intervalMs`. */
export function startVitalSignsWorker(ctx: AppContext, intervalMs = SNAPSHOT_EVERY_MS): () => void {
  const timer = setInterval(() => {
    snapshotVitalSigns(ctx, intervalMs).catch((error: unknown) => ctx.log.error({ err: error }, 'vital signs snapshot failed'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
