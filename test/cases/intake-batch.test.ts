/**
 * Group-committed intake: reports that arrive together share one transaction, and still each
 * get their own number, timeline, timers, notices and audit entry; a bad one fails alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../src/storage/group-commit.ts';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';

const app = await useTestApp({ now: '2026-09-29T01:00:00Z' });

let citizen: Record<string, string>;
let grid: Record<string, string>;
let spots: [number, number][];

beforeAll(async () => {
  citizen = await app.as('citizen');
  grid = await app.as('jiefangbei.grid');
  const admin = await app.as('admin');
  spots = [await pointIn(app, '500103003', admin), await pointIn(app, '500106', admin), await pointIn(app, '500103', admin, 7)];
});

const report = (headers: Record<string, string>, spot: [number, number], description: string, key?: string) =>
  app.server.inject({
    method: 'POST', url: '/api/v1/cases', headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { categoryCode: 'E0102', description, location: { lon: spot[0], lat: spot[1] } },
  });

describe('group-committed intake', () => {
  it('gives 60 simultaneous reports their own consecutive numbers, timelines, timers, notices and audit entries', async () => {
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => report(i % 2 ? citizen : grid, spots[i % 3], `并发上报 ${i}`, `burst-key-${i}`)));
    expect(responses.map((r) => r.statusCode), responses[0].body).toEqual(Array(60).fill(201));
    const cases = responses.map((r) => r.json());
    expect(new Set(cases.map((c) => c.number)).size).toBe(60);
    // Per district, the serials are 1…n with no gap.
    const byDistrict = new Map<string, number[]>();
    for (const c of cases) byDistrict.set(c.districtCode, [...(byDistrict.get(c.districtCode) ?? []), Number(c.number.slice(-5))]);
    for (const serials of byDistrict.values()) {
      const sorted = [...serials].sort((a, b) => a - b);
      expect(sorted).toEqual(sorted.map((_, i) => sorted[0] + i));
    }
    const ids = cases.map((c) => c.id);
    // Notices go to the owning center's accounts; centers without accounts get none.
    const [{ staffed }] = await app.ctx.db.query<{ staffed: number }>(
      `select count(*)::int as staffed from case_record c where id = any($1) and exists (select 1 from app_user u where u.unit_id = c.owner_unit_id and not u.disabled)`, [ids],
    );
    expect(staffed).toBeGreaterThan(0);
    const [counts] = await app.ctx.db.query<{ events: number; timers: number; audits: number; notices: number }>(
      `select (select count(*)::int from case_event where case_id = any($1) and seq = 1 and action = 'report') as events,
              (select count(distinct case_id)::int from case_timer where case_id = any($1)) as timers,
              (select count(*)::int from audit_log where entity_id = any($1) and action = 'case.report') as audits,
              (select count(distinct subject_id)::int from notification where subject_id = any($1) and kind = 'case.created') as notices`,
      [ids],
    );
    expect(counts).toEqual({ events: 60, timers: 60, audits: 60, notices: staffed });
    const verify = await app.server.inject({ url: '/api/v1/audit/verify', headers: await app.as('admin') });
    expect(verify.json()).toMatchObject({ ok: true });
  });

  it('answers every retry sent with the first report, in the same burst, with the first report\'s case', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => report(citizen, spots[0], '同一个键同时重试', 'same-burst-key')));
    const created = responses.filter((r) => r.statusCode === 201);
    expect(created).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(4);
    expect(new Set(responses.map((r) => r.json().id))).toEqual(new Set([created[0].json().id]));
    const [{ n }] = await app.ctx.db.query<{ n: number }>(`select count(*)::int as n from case_record where description = '同一个键同时重试'`);
    expect(n).toBe(1);
  });
});

describe('GroupCommitter', () => {
  it('writes what queues during a batch as the next batch, and retries a failed batch item by item', async () => {
    const batches: number[][] = [];
    const committer = new GroupCommitter<number, number>(async (items) => {
      batches.push([...items]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (items.includes(13)) throw new Error('thirteen');
      return items.map((n) => n * 2);
    }, { maxBatch: 10, concurrency: 1 });
    const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => committer.submit(i)));
    expect(batches[0]).toEqual([0]);
    expect(batches[1]).toHaveLength(10);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect((results[13] as PromiseRejectedResult).reason.message).toBe('thirteen');
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(
      Array.from({ length: 25 }, (_, i) => i * 2).filter((v) => v !== 26),
    );
  });
});
