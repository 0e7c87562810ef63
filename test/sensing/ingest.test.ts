import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { sensing } from '../../src/sensing/index.ts';
import type { Reading } from '../../src/sensing/model.ts';
import { gatewayAuth, postReadings, sensingFixture, type Fixture, holdPipeline } from './ingest-fixtures.ts';

const NOW = Date.parse('2026-11-20T02:00:00Z');
const app = await useTestApp({ now: new Date(NOW).toISOString() });
let f: Fixture;
let gw: string;

const readingCount = async (code: string) =>
  (await app.ctx.db.query<{ n: number }>('select count(*)::int as n from sensing_reading r join sensing_sensor s on s.num = r.sensor_num where s.code = $1', [code]))[0].n;

beforeAll(async () => {
  f = await sensingFixture(app, 'ING');
  gw = gatewayAuth(f.gateway);
});

describe('HTTP ingest', () => {
  it('stores a JSON batch from a gateway and answers after it is durable', async () => {
    const res = await postReadings(app, gw, [
      { sensor: 'ING-A', ts: NOW - 60_000, value: 1.5 },
      { sensor: f.ids['ING-B'], ts: new Date(NOW - 30_000).toISOString(), value: 2, unit: '%lel' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ received: 2, accepted: 2, duplicates: 0, rejected: 0, rejections: [] });
    expect(await readingCount('ING-A')).toBe(1);
    expect(await readingCount('ING-B')).toBe(1);
  });

  it('takes NDJSON, and a device may omit its own sensor', async () => {
    const ndjson = `{"sensor":"ING-C","ts":${NOW - 1000},"value":3}\n\n{"garbled\n{"sensor":"ING-C","ts":${NOW - 2000},"value":4}\n`;
    const res = await postReadings(app, gw, ndjson, 'application/x-ndjson');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ received: 3, accepted: 2, rejected: 1, rejections: [{ index: 1, sensor: null, reason: 'malformed' }] });
    const device = await postReadings(app, `Device ING-DEV:${f.secrets['ING-DEV']}`, [{ ts: NOW - 5000, value: 0.35 }]);
    expect(device.json()).toMatchObject({ accepted: 1 });
  });

  it('refuses garbage item by item with a reason, never the good ones, and counts it per source', async () => {
    const items = [
      { sensor: 'ING-A', ts: NOW - 10_000, value: 12 }, // fine
      { sensor: 'NO-SUCH', ts: NOW, value: 1 },
      { sensor: 'ING-A', ts: NOW, value: 'NaN' },
      { sensor: 'ING-A', ts: NOW, value: null },
      { sensor: 'ING-A', ts: NOW, value: 1, unit: 'ppm' },
      { sensor: 'ING-A', ts: NOW + 6 * 60_000, value: 1 },
      { sensor: 'ING-A', ts: NOW - 365 * 86_400_000, value: 1 },
      { sensor: 'ING-A', ts: NOW, value: 150 },
      { sensor: 'ING-A', ts: 'yesterday', value: 1 },
      'just a string',
      { sensor: 'ING-OTHER', ts: NOW, value: 1 },
      { sensor: 'ING-DEV', ts: NOW, value: 1 },
    ];
    const res = await postReadings(app, gw, items);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ received: 12, accepted: 1, rejected: 11 });
    expect(body.rejections.map((r: { reason: string }) => r.reason)).toEqual([
      'unknown_sensor', 'not_a_number', 'not_a_number', 'wrong_unit', 'future_timestamp', 'stale_timestamp', 'out_of_range', 'malformed', 'malformed',
      'not_permitted', 'not_permitted',
    ]);
    // Just inside the limits is fine: 5 minutes ahead, the range's ends.
    const edge = await postReadings(app, gw, [{ sensor: 'ING-B', ts: NOW + 5 * 60_000, value: 100 }, { sensor: 'ING-B', ts: NOW - 29 * 86_400_000, value: 0 }]);
    expect(edge.json()).toMatchObject({ accepted: 2, rejected: 0 });

    const all = await postReadings(app, gw, [{ sensor: 'NO-SUCH', ts: NOW, value: 1 }]);
    expect(all.statusCode).toBe(422);
    expect(all.json()).toMatchObject({ code: 'CY_READINGS_REJECTED', errors: [{ pointer: '/body/0', message: 'unknown_sensor: NO-SUCH' }] });

    const stats = await app.server.inject({ url: '/api/v1/ingest/stats', headers: f.admin });
    const mine = stats.json().sources.find((s: { source: string }) => s.source === `gateway:${f.gateway.id}`);
    expect(mine.reasons).toEqual({ unknown_sensor: 2, not_a_number: 2, wrong_unit: 1, future_timestamp: 1, stale_timestamp: 1, out_of_range: 1, malformed: 3, not_permitted: 2 });
    expect(mine.accepted).toBe(2 + 2 + 1 + 2);
    const operator = await app.server.inject({ url: '/api/v1/ingest/stats', headers: await app.as('chaotianmen.operator') });
    expect(operator.json().sources).toEqual([]);
  });

  it('refuses a malformed body or bad credentials as a whole', async () => {
    expect((await postReadings(app, gw, '[{"sensor":')).json()).toMatchObject({ status: 400, code: 'CY_MALFORMED_BODY' });
    expect((await postReadings(app, gw, { sensor: 'ING-A' })).json()).toMatchObject({ status: 400, code: 'CY_VALIDATION' });
    expect((await postReadings(app, gw, '[]', 'text/plain')).statusCode).toBe(415);
    expect((await postReadings(app, `Gateway ${f.gateway.code}:${'x'.repeat(32)}`, [])).statusCode).toBe(401);
    expect((await postReadings(app, 'Bearer abc', [])).statusCode).toBe(401);
    expect((await postReadings(app, `Device ING-A:${f.gateway.secret}`, [])).statusCode).toBe(401);
  });

  it('keeps duplicates once (same sensor and timestamp), across requests and within one', async () => {
    const batch = [{ sensor: 'ING-C', ts: NOW - 100_000, value: 7 }, { sensor: 'ING-C', ts: NOW - 90_000, value: 8 }];
    expect((await postReadings(app, gw, batch)).json()).toMatchObject({ accepted: 2, duplicates: 0 });
    const before = await readingCount('ING-C');
    expect((await postReadings(app, gw, [...batch, batch[0]])).json()).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(await readingCount('ING-C')).toBe(before);
    const stored = await app.ctx.db.query<{ value: number }>('select value from sensing_reading r join sensing_sensor s on s.num = r.sensor_num where s.code = $1 and ts_ms = $2', ['ING-C', NOW - 100_000]);
    expect(stored).toEqual([{ value: 7 }]);
  });

  it('keeps a reading once when another node stored it first (this node had no reason to expect the repeat)', async () => {
    const t = NOW + 120_000;
    await app.ctx.db.query('insert into sensing_reading (sensor_num, ts_ms, value) select num, $2, 9 from sensing_sensor where code = $1', ['ING-C', t]);
    const before = await readingCount('ING-C');
    const res = await postReadings(app, gw, [{ sensor: 'ING-C', ts: t, value: 1 }, { sensor: 'ING-C', ts: t + 1000, value: 2 }]);
    expect(res.json()).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(await readingCount('ING-C')).toBe(before + 1);
    const [kept] = await app.ctx.db.query<{ value: number }>('select value from sensing_reading r join sensing_sensor s on s.num = r.sensor_num where s.code = $1 and ts_ms = $2', ['ING-C', t]);
    expect(kept.value).toBe(9);
  });

  it('stores a reading that arrives out of order once, and knows its repeat', async () => {
    const t = NOW + 180_000;
    expect((await postReadings(app, gw, [{ sensor: 'ING-C', ts: t + 2000, value: 1 }])).json()).toMatchObject({ accepted: 1 });
    expect((await postReadings(app, gw, [{ sensor: 'ING-C', ts: t + 1000, value: 2 }])).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    for (const ts of [t + 1000, t + 2000]) {
      expect((await postReadings(app, gw, [{ sensor: 'ING-C', ts, value: 3 }])).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    }
  });

  it('hands stored readings to the evaluator sorted by sensor and time, late ones flagged, duplicates not again', async () => {
    const s = sensing(app.ctx);
    const calls: { batch: Reading[]; late: boolean }[] = [];
    s.setEvaluator({ evaluate: async (batch, options) => { calls.push({ batch: [...batch], late: !!options.late }); } });
    try {
      const t = NOW - 3_600_000;
      await postReadings(app, gw, [{ sensor: 'ING-B', ts: t + 2000, value: 2 }, { sensor: 'ING-A', ts: t + 3000, value: 3 }, { sensor: 'ING-A', ts: t + 1000, value: 1 }]);
      await postReadings(app, gw, [{ sensor: 'ING-A', ts: t + 500, value: 0.5 }, { sensor: 'ING-A', ts: t + 4000, value: 4 }, { sensor: 'ING-A', ts: t + 3000, value: 3 }]);
      await s.pipeline.drain();
      const [a, b] = [f.ids['ING-A'], f.ids['ING-B']];
      const first = [a, b].sort()[0] === a;
      const sortedFirstBatch = first
        ? [{ sensorId: a, ts: t + 1000, value: 1 }, { sensorId: a, ts: t + 3000, value: 3 }, { sensorId: b, ts: t + 2000, value: 2 }]
        : [{ sensorId: b, ts: t + 2000, value: 2 }, { sensorId: a, ts: t + 1000, value: 1 }, { sensorId: a, ts: t + 3000, value: 3 }];
      expect(calls).toEqual([
        { batch: expect.arrayContaining(sortedFirstBatch), late: false },
        { batch: [{ sensorId: a, ts: t + 4000, value: 4 }], late: false },
        { batch: [{ sensorId: a, ts: t + 500, value: 0.5 }], late: true },
      ]);
      // Within a batch the order is by sensor number, then time.
      const order = calls[0].batch.map((r) => `${r.sensorId}@${r.ts}`);
      expect(order.indexOf(`${a}@${t + 1000}`)).toBeLessThan(order.indexOf(`${a}@${t + 3000}`));
    } finally {
      s.setEvaluator(undefined);
    }
  });

  it('answers 503 with Retry-After when the queue is full, instead of growing, and recovers', async () => {
    const s = sensing(app.ctx);
    const hold = holdPipeline(app, 10);
    try {
      const eight = Array.from({ length: 8 }, (_, i) => ({ sensor: 'ING-B', ts: NOW - 200_000 + i, value: 1 }));
      expect((await postReadings(app, gw, eight)).statusCode).toBe(200);
      const refused = await postReadings(app, gw, Array.from({ length: 5 }, (_, i) => ({ sensor: 'ING-B', ts: NOW - 300_000 + i, value: 1 })));
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.json().code).toBe('CY_INGEST_BUSY');
      expect(s.pipeline.load).toBe(8);
      hold.release();
      await s.pipeline.drain();
      expect(s.pipeline.load).toBe(0);
      expect((await postReadings(app, gw, [{ sensor: 'ING-B', ts: NOW - 300_000, value: 1 }])).statusCode).toBe(200);
    } finally {
      hold.restore();
    }
  });
});
