/**
 * The demand map (需求图谱): how many cases each child area of a division had per domain,
 * category or appeal type in a period, the change against the period of the same length
 * before it, and the counts per day, week or month.
 */
import type { AppContext } from '../app.ts';
import { categoryByCode, domainByCode } from '../categories/catalogue.ts';
import { demandCounts } from '../cases/service.ts';
import type { AreaColumn, DemandKey } from '../cases/store.ts';
import type { DivisionLevel } from '../divisions/model.ts';
import { Problem } from '../http/errors.ts';
import type { Principal } from '../org/model.ts';
import { jurisdictionStreets } from './jurisdiction.ts';

export type DemandBy = 'domain' | 'category' | 'appealType';
export type Granularity = 'day' | 'week' | 'month';

export interface DemandQuery { division: string; from?: Date; to?: Date; by: DemandBy; granularity: Granularity }

export interface Trend { count: number; previous: number; change: number; changeRate: number | null }
export interface KeyTrend extends Trend { key: string; name: string }
export interface AreaTrend extends Trend { code: string; name: string; byKey: KeyTrend[] }

export interface DemandMap {
  division: { code: string; name: string; level: DivisionLevel };
  by: DemandBy;
  granularity: Granularity;
  from: string;
  to: string;
  previousFrom: string;
  total: Trend;
  totals: KeyTrend[];
  areas: AreaTrend[];
  series: { period: string; key: string; name: string; count: number }[];
}

const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;
const DAY = 86_400_000;

/** Each level's column, and the column of its child areas. */
const LEVELS: Record<DivisionLevel, { column: AreaColumn | null; child: AreaColumn }> = {
  city: { column: null, child: 'district_code' },
  district: { column: 'district_code', child: 'street_code' },
  street: { column: 'street_code', child: 'community_code' },
  community: { column: 'community_code', child: 'grid_code' },
};
const KEYS: Record<DemandBy, DemandKey> = { domain: 'domain', category: 'category_code', appealType: 'appeal_type' };
const APPEAL_ZH: Record<string, string> = { consult: '咨询', help: '求助', complaint: '投诉', report: '举报', suggestion: '建议', praise: '表扬' };

function keyName(by: DemandBy, key: string): string {
  if (key === '') return '未分类';
  if (by === 'domain') return domainByCode(key)?.name ?? key;
  if (by === 'category') return categoryByCode(key)?.name ?? key;
  return APPEAL_ZH[key] ?? key;
}

export function trend(count: number, previous: number): Trend {
  return { count, previous, change: count - previous, changeRate: previous > 0 ? Math.round(((count - previous) / previous) * 1000) / 1000 : null };
}

function sumBy<T>(rows: readonly T[], keyOf: (r: T) => string, count: (r: T) => [number, number]): Map<string, [number, number]> {
  const sums = new Map<string, [number, number]>();
  for (const r of rows) {
    const s = sums.get(keyOf(r)) ?? [0, 0];
    const [c, p] = count(r);
    sums.set(keyOf(r), [s[0] + c, s[1] + p]);
  }
  return sums;
}

const byCount = (a: Trend & { name: string }, b: Trend & { name: string }) => b.count - a.count || b.previous - a.previous || a.name.localeCompare(b.name);

export async function demandMap(ctx: AppContext, principal: Principal, q: DemandQuery): Promise<DemandMap> {
  const streets = await jurisdictionStreets(ctx, principal, q.division);
  const today = ctx.today();
  const division = ctx.city.tree.at(q.division, today)!;
  const to = q.to ?? ctx.clock();
  const from = q.from ?? new Date(to.getTime() - DEFAULT_DAYS * DAY);
  if (from >= to) throw new Problem('CY_VALIDATION', '`from` must be before `to`', [{ pointer: '/querystring/from', message: 'must be before to' }]);
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY) throw new Problem('CY_VALIDATION', `a period is at most ${MAX_DAYS} days`, [{ pointer: '/querystring/from', message: `at most ${MAX_DAYS} days before to` }]);
  const previousFrom = new Date(from.getTime() - (to.getTime() - from.getTime()));
  const level = LEVELS[division.level];
  const { cells, series } = await demandCounts(ctx, {
    parent: level.column ? { column: level.column, code: division.code } : null, child: level.child, key: KEYS[q.by],
    streets, previousFrom, from, to, granularity: q.granularity, timeZone: ctx.config.timeZone,
  });
  const children = new Map(ctx.city.tree.children(division.code, today).map((d) => [d.code, d.name]));
  const areaSums = sumBy(cells, (c) => c.area, (c) => [c.count, c.previous]);
  // Every child area appears, quiet ones with zeros (grids only when they had cases).
  const codes = [...new Set([...(level.child === 'grid_code' ? [] : children.keys()), ...areaSums.keys()])]
    .filter((code) => streets === null || level.child !== 'street_code' || streets.includes(code));
  const areas = codes.map((code) => {
    const [count, previous] = areaSums.get(code) ?? [0, 0];
    const byKey = cells.filter((c) => c.area === code).map((c) => ({ key: c.key, name: keyName(q.by, c.key), ...trend(c.count, c.previous) })).sort(byCount);
    return { code, name: children.get(code) ?? code, ...trend(count, previous), byKey };
  }).sort(byCount);
  const totals = [...sumBy(cells, (c) => c.key, (c) => [c.count, c.previous])].map(([key, [count, previous]]) => ({ key, name: keyName(q.by, key), ...trend(count, previous) })).sort(byCount);
  const all = areas.reduce((s, a) => [s[0] + a.count, s[1] + a.previous], [0, 0]);
  return {
    division: { code: division.code, name: division.name, level: division.level }, by: q.by, granularity: q.granularity,
    from: from.toISOString(), to: to.toISOString(), previousFrom: previousFrom.toISOString(), total: trend(all[0], all[1]), totals, areas,
    series: series.map((s) => ({ ...s, name: keyName(q.by, s.key) })),
  };
}
