import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pruneSeries } from '../../src/sensing/series.ts';
import { sensing, startSensing } from '../../src/sensing/index.ts';
import { makeContext } from '../../src/app.ts';
import { gatewayAuth, postReadings, sensingFixture, type Fixture } from './ingest-fixtures.ts';

const NOW = Date.parse('2026-11-20T02:00:00Z');
const app = await useTestApp({ now: new Date(NOW).toISOString() });
let f: Fixture;
const T0 = Date.parse('2026-11-20T01:00:00Z');

beforeAll(async () => {
  f = await sensingFixture(app, 'SER');
});

const series = async (query: string) => {
  const res = await app.server.inject({ url: `/api/v1/sensors/${f.ids['SER-A']}/readings?${query}`, headers: f.admin });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('time series', () => {
  it('keeps 1-minute and 1-hour rollups, with late readings merged into their own bucket', async () => {
    const gw = gatewayAuth(f.gateway);
    // 01:00:10, 01:00:50 and 01:01:30, then (after a flush) a late reading at 01:00:20 and one in the previous hour.
    await postReadings(app, gw, [10_000, 50_000, 90_000].map((d, i) => ({ sensor: 'SER-A', ts: T0 + d, value: [2, 4, 9][i] })));
    await sensing(app.ctx).flushRollups();
    await postReadings(app, gw, [{ sensor: 'SER-A', ts: T0 + 20_000, value: 0 }, { sensor: 'SER-A', ts: T0 - 60_000, value: 5 }]);

    const m = await series('from=2026-11-20T00:00:00Z&to=2026-11-20T02:00:00Z&resolution=1m');
    expect(m).toMatchObject({ resolution: '1m', unit: '%LEL', truncated: false });
    expect(m.points).toEqual([
      { ts: '2026-11-20T00:59:00.000Z', min: 5, max: 5, avg: 5, count: 1 },
      { ts: '2026-11-20T01:00:00.000Z', min: 0, max: 4, avg: 2, count: 3 },
      { ts: '2026-11-20T01:01:00.000Z', min: 9, max: 9, avg: 9, count: 1 },
    ]);
    const h = await series('from=2026-11-20T00:00:00Z&to=2026-11-20T02:00:00Z&resolution=1h');
    expect(h.points).toEqual([
      { ts: '2026-11-20T00:00:00.000Z', min: 5, max: 5, avg: 5, count: 1 },
      { ts: '2026-11-20T01:00:00.000Z', min: 0, max: 9, avg: 15 / 4, count: 4 },
    ]);
    // Duplicates do not count twice.
    await postReadings(app, gw, [{ sensor: 'SER-A', ts: T0 + 10_000, value: 2 }]);
    expect((await series('from=2026-11-20T01:00:00Z&to=2026-11-20T01:01:00Z&resolution=1m')).points[0].count).toBe(3);
  });

  it('answers raw points by default for short ranges, and refuses a backwards range', async () => {
    const raw = await series('from=2026-11-20T01:00:00Z&to=2026-11-20T01:01:00Z');
    expect(raw.resolution).toBe('raw');
    expect(raw.points).toEqual([
      { ts: '2026-11-20T01:00:10.000Z', value: 2 }, { ts: '2026-11-20T01:00:20.000Z', value: 0 }, { ts: '2026-11-20T01:00:50.000Z', value: 4 },
    ]);
    expect((await series('')).resolution).toBe('1m');
    const bad = await app.server.inject({ url: `/api/v1/sensors/${f.ids['SER-A']}/readings?from=2026-11-20T02:00:00Z&to=2026-11-20T01:00:00Z`, headers: f.admin });
    expect(bad.statusCode).toBe(400);
    const hidden = await app.server.inject({ url: `/api/v1/sensors/${f.ids['SER-A']}/readings`, headers: await app.as('chaotianmen.operator') });
    expect(hidden.statusCode).toBe(404);
  });

  it('after a restart knows when sensors last reported, and picks up sensors another node registered', async () => {
    await sensing(app.ctx).flushRollups();
    // A second process on the same database: a context of its own.
    const other = makeContext({ config: app.ctx.config, db: app.ctx.db, city: app.ctx.city, log: app.ctx.log, clock: app.ctx.clock });
    const workers = await startSensing(other);
    try {
      const restarted = sensing(other);
      const entry = restarted.registry.get('SER-A')!;
      expect(restarted.lastSeen(entry.num)).toBe(Date.parse('2026-11-20T01:01:00Z'));
      expect(restarted.lastSeen(restarted.registry.get('SER-C')!.num)).toBe(0);
      const [lon, lat] = [entry.lon, entry.lat];
      const res = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: f.admin, payload: { code: 'SER-NEW', type: 'rainfall', lon, lat } });
      expect(res.statusCode, res.body).toBe(201);
      expect(restarted.registry.get('SER-NEW')).toBeUndefined();
      await restarted.registry.refresh();
      expect(restarted.registry.get('SER-NEW')).toMatchObject({ type: 'rainfall', unit: 'mm/h' });
    } finally {
      await workers.stop();
    }
  });

  it('prunes each table after its retention period', async () => {
    const days = (n: number) => NOW + n * 86_400_000;
    app.setNow(new Date(days(31)).toISOString());
    expect(await pruneSeries(app.ctx)).toMatchObject({ raw: expect.any(Number), m1: 0, h1: 0 });
    const left = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from sensing_reading');
    expect(left[0].n).toBe(0);
    app.setNow(new Date(days(181)).toISOString());
    expect((await pruneSeries(app.ctx)).m1).toBeGreaterThan(0);
    expect((await app.ctx.db.query<{ n: number }>('select count(*)::int as n from sensing_rollup_1h'))[0].n).toBeGreaterThan(0);
    app.setNow(new Date(NOW).toISOString());
  });
});
