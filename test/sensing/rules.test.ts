import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import type { Lifeline } from '../../src/sensing/alarms/runtime.ts';
import { AlarmLedger } from '../../src/sensing/alarms/ledger.ts';
import { LifelineRuleEngine, type AlarmSink } from '../../src/sensing/rules/engine.ts';
import { FakeSensors, at, feed, loadLifeline, makeSensor, override, series } from './support/lifeline.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });
const JIEFANGBEI = '500103003';
const sensors = new FakeSensors();
let lifeline: Lifeline;
let spot: [number, number];

const add = (s: Parameters<typeof makeSensor>[2]) => {
  const info = makeSensor(app, spot, s);
  sensors.map.set(info.id, info);
  return info;
};

interface Row { id: string; level: string; state: string; kind: string; subject_type: string }
const alarmsOf = (subjectId: string) => app.ctx.db.query<Row>('select id, level, state, kind, subject_type from alarm where subject_id = $1 order by raised_at, id', [subjectId]);
const historyOf = async (alarmId: string) => (await app.ctx.db.query<{ action: string; to_level: string | null }>('select action, to_level from alarm_event where alarm_id = $1 order by seq', [alarmId]))
  .map((e) => `${e.action}:${e.to_level ?? '-'}`);

beforeAll(async () => {
  spot = await pointIn(app, JIEFANGBEI, await app.as('admin'));
  lifeline = await loadLifeline(app.ctx, sensors);
});

describe('threshold rules', () => {
  it('gas %LEL (red 25, sustained 30 s, clear 120 s below 24): 29 s raises nothing, 30 s raises once; clears only outside the band after 120 s', async () => {
    add({ id: 'G1', type: 'gas_lel' });
    await feed(lifeline, series('G1', [[0, 26], [29, 26]]));
    expect(await alarmsOf('G1')).toEqual([]);
    await feed(lifeline, series('G1', [[30, 26], [60, 25]]));
    const [alarm] = await alarmsOf('G1');
    expect(alarm).toMatchObject({ level: 'red', state: 'active', kind: 'threshold' });
    // Red at once: a 特急 (critical) case.
    const [linked] = await app.ctx.db.query<{ urgency: string }>('select urgency from case_record where id = (select case_id from alarm where id = $1)', [alarm.id]);
    expect(linked.urgency).toBe('critical');
    // 24.5 is inside red's hysteresis band: still red long after.
    await feed(lifeline, series('G1', [[100, 24.5], [400, 24.5]]));
    expect((await alarmsOf('G1'))[0]).toMatchObject({ level: 'red', state: 'active' });
    // 3 %LEL is below every clear threshold: 119 s later still red, 120 s later cleared.
    await feed(lifeline, series('G1', [[410, 3], [529, 3]]));
    expect((await alarmsOf('G1'))[0].state).toBe('active');
    await feed(lifeline, series('G1', [[530, 3]]));
    const after = await alarmsOf('G1');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ state: 'cleared', level: 'red' });
    expect(await historyOf(alarm.id)).toEqual(['raise:red', 'case:red', 'clear:-']);
  });

  it('says which readings may raise or escalate (the express lane of ingest), without moving state', async () => {
    add({ id: 'G9', type: 'gas_lel' });
    const num = sensors.numOf('G9');
    expect(lifeline.engine.mayEscalate(num, 3)).toBe(false);
    expect(lifeline.engine.mayEscalate(num, 26)).toBe(true);
    expect(lifeline.engine.mayEscalate(num, 26)).toBe(true);
    await feed(lifeline, series('G9', [[0, 26], [30, 26]]));
    expect((await alarmsOf('G9'))[0]).toMatchObject({ level: 'red' });
    // Already red: nothing above it.
    expect(lifeline.engine.mayEscalate(num, 30)).toBe(false);
  });

  it('out-of-order readings are stored but do not move alarm state', async () => {
    add({ id: 'G2', type: 'gas_lel' });
    const lateBefore = lifeline.engine.stats.late;
    await feed(lifeline, series('G2', [[0, 12], [20, 12]]));
    // An older reading in a normal batch and a batch flagged late: a dip and a spike, both ignored.
    await feed(lifeline, series('G2', [[10, 0]]));
    await lifeline.engine.evaluate(series('G2', [[15, 90]]), { late: true });
    expect(lifeline.engine.stats.late - lateBefore).toBe(2);
    expect(await alarmsOf('G2')).toEqual([]);
    // Yellow has held since 0 s: raised at 30 s (the dip at 10 s never happened for the rules).
    await feed(lifeline, series('G2', [[30, 12]]));
    expect((await alarmsOf('G2')).map((a) => a.level)).toEqual(['yellow']);
  });

  it('the most specific rule wins: sensor override, then asset override, then the type default', async () => {
    add({ id: 'G3', type: 'gas_lel', assetId: 'PIPE-OVR' });
    add({ id: 'G4', type: 'gas_lel', assetId: 'PIPE-OVR' });
    add({ id: 'G5', type: 'gas_lel' });
    const immediate = { direction: 'above' as const, hysteresis: 0, create: { mode: 'immediate' as const }, clearSeconds: 0 };
    await override(app, lifeline, { sensorType: 'gas_lel', scope: 'asset', targetId: 'PIPE-OVR', params: { kind: 'threshold', ...immediate, thresholds: { yellow: 40, red: 50 } } });
    await override(app, lifeline, { sensorType: 'gas_lel', scope: 'sensor', targetId: 'G4', params: { kind: 'threshold', ...immediate, thresholds: { red: 2 } } });
    await feed(lifeline, [...series('G3', [[0, 45]]), ...series('G4', [[0, 3]]), ...series('G5', [[0, 45]])]);
    expect((await alarmsOf('G3')).map((a) => a.level)).toEqual(['yellow']);
    expect((await alarmsOf('G4')).map((a) => a.level)).toEqual(['red']);
    // The type default needs 30 s sustained.
    expect(await alarmsOf('G5')).toEqual([]);
  });
});

describe('rate, anomaly, flat-line and offline rules', () => {
  it('slope displacement rate (yellow 2 mm/day, needs 6 h of data): exactly 2 mm/day at 6 h raises yellow, 5 h says nothing', async () => {
    add({ id: 'S1', type: 'slope_displacement', intervalSeconds: 600 });
    const hour = 3600;
    await feed(lifeline, series('S1', [0, 1, 2, 3, 4, 5].map((h) => [h * hour, (h * 2) / 24])));
    expect(await alarmsOf('S1')).toEqual([]);
    await feed(lifeline, series('S1', [[6 * hour, 0.5]]));
    expect((await alarmsOf('S1')).map((a) => `${a.kind}:${a.level}`)).toEqual(['rate:yellow']);
    // Accelerating to 12 mm/day over the day: red.
    await feed(lifeline, series('S1', [[7 * hour, 3.5]]));
    expect((await alarmsOf('S1')).map((a) => a.level)).toEqual(['red']);
  });

  it('statistical anomaly: a spike far outside the learned spread raises, the steady series does not', async () => {
    add({ id: 'F1', type: 'water_flow' });
    await override(app, lifeline, {
      sensorType: 'water_flow', scope: 'sensor', targetId: 'F1', categoryCode: 'E0402',
      params: { kind: 'anomaly', direction: 'above', thresholds: { yellow: 0.9 }, hysteresis: 0.2, create: { mode: 'immediate' }, clearSeconds: 0, warmup: 10 },
    });
    const steady: [number, number][] = Array.from({ length: 40 }, (_, i) => [i * 60, 100 + ((i * 7) % 5) - 2]);
    await feed(lifeline, series('F1', steady));
    expect(await alarmsOf('F1')).toEqual([]);
    await feed(lifeline, series('F1', [[40 * 60, 400]]));
    expect((await alarmsOf('F1')).map((a) => `${a.kind}:${a.level}`)).toEqual(['anomaly:yellow']);
    const [event] = await app.ctx.db.query<{ data: { derived: number } }>("select data from alarm_event where action = 'raise' and alarm_id = (select id from alarm where subject_id = 'F1')");
    expect(event.data.derived).toBeGreaterThanOrEqual(0.9);
  });

  it('flat-line: identical values for the whole duration raise, just short does not, a change clears', async () => {
    add({ id: 'R1', type: 'river_level', intervalSeconds: 60 });
    await override(app, lifeline, { sensorType: 'river_level', scope: 'sensor', targetId: 'R1', categoryCode: 'H1606', params: { kind: 'flatline', seconds: 600, tolerance: 0, level: 'blue' } });
    await feed(lifeline, series('R1', Array.from({ length: 10 }, (_, i) => [i * 60 + 59, 168.2] as [number, number])));
    // First value at 59 s, last at 599 s: 540 s flat.
    expect(await alarmsOf('R1')).toEqual([]);
    await feed(lifeline, series('R1', [[659, 168.2]]));
    expect((await alarmsOf('R1')).map((a) => `${a.kind}:${a.level}:${a.state}`)).toEqual(['flatline:blue:active']);
    await feed(lifeline, series('R1', [[719, 168.21]]));
    expect((await alarmsOf('R1')).map((a) => a.state)).toEqual(['cleared']);
  });

  it('offline: no reading for more than 3 intervals (fake clock) raises; the next reading clears', async () => {
    const own = new FakeSensors();
    const info = makeSensor(app, spot, { id: 'O1', type: 'gas_lel', intervalSeconds: 60 });
    own.map.set('O1', info);
    const solo = await loadLifeline(app.ctx, own);
    try {
      await feed(solo, series('O1', [[0, 1]]));
      await solo.engine.tick(new Date(at(180)));
      await solo.engine.idle();
      expect(await alarmsOf('O1')).toEqual([]);
      await solo.engine.tick(new Date(at(181)));
      await solo.engine.idle();
      expect((await alarmsOf('O1')).map((a) => `${a.kind}:${a.level}:${a.state}`)).toEqual(['offline:blue:active']);
      await solo.engine.tick(new Date(at(400)));
      await feed(solo, series('O1', [[410, 1]]));
      expect((await alarmsOf('O1')).map((a) => `${a.kind}:${a.state}`)).toEqual(['offline:cleared']);
    } finally {
      lifeline = await loadLifeline(app.ctx, sensors);
    }
  });
});

describe('cross-sensor burst', () => {
  it('pressure falling 20 % while flow rises 30 % on one pipe segment raises one red alarm on the asset', async () => {
    add({ id: 'WP1', type: 'water_pressure', assetId: 'PIPE-BURST', ownerUnitId: 'D-500000-water' });
    add({ id: 'WF1', type: 'water_flow', assetId: 'PIPE-BURST', ownerUnitId: 'D-500000-water' });
    add({ id: 'WF2', type: 'water_flow', assetId: 'PIPE-OTHER', ownerUnitId: 'D-500000-water' });
    for (let s = 0; s <= 300; s += 60) await feed(lifeline, [...series('WP1', [[s, 0.4]]), ...series('WF1', [[s, 100]]), ...series('WF2', [[s, 100]])]);
    // Pressure down 25 % alone: nothing.
    await feed(lifeline, series('WP1', [[360, 0.3]]));
    expect(await alarmsOf('PIPE-BURST')).toEqual([]);
    // Flow up 40 % on another segment: still nothing here.
    await feed(lifeline, series('WF2', [[380, 140]]));
    expect(await alarmsOf('PIPE-BURST')).toEqual([]);
    // Flow up 29 % on this segment: just short.
    await feed(lifeline, series('WF1', [[390, 129]]));
    expect(await alarmsOf('PIPE-BURST')).toEqual([]);
    await feed(lifeline, series('WF1', [[420, 140]]));
    await feed(lifeline, series('WP1', [[430, 0.29]]));
    const alarms = await alarmsOf('PIPE-BURST');
    expect(alarms.map((a) => `${a.subject_type}:${a.kind}:${a.level}`)).toEqual(['asset:burst:red']);
    expect(await alarmsOf('WP1')).toEqual([]);
  });
});

describe('restart', () => {
  it('a restart in the middle of a sustained condition neither loses nor doubles the alarm', async () => {
    add({ id: 'G7', type: 'gas_lel' });
    await feed(lifeline, series('G7', [[0, 12], [20, 12]]));
    // A new engine and ledger on the same database, as after a process restart.
    lifeline = await loadLifeline(app.ctx, sensors);
    await feed(lifeline, series('G7', [[29, 12]]));
    expect(await alarmsOf('G7')).toEqual([]);
    await feed(lifeline, series('G7', [[30, 12]]));
    expect((await alarmsOf('G7')).map((a) => a.level)).toEqual(['yellow']);
    lifeline = await loadLifeline(app.ctx, sensors);
    await feed(lifeline, series('G7', [[40, 12], [50, 12]]));
    const alarms = await alarmsOf('G7');
    expect(alarms.map((a) => `${a.level}:${a.state}`)).toEqual(['yellow:active']);
    expect(await historyOf(alarms[0].id)).toEqual(['raise:yellow']);
    // And the clear count survives a restart too (clear 120 s below the band).
    await feed(lifeline, series('G7', [[100, 1]]));
    lifeline = await loadLifeline(app.ctx, sensors);
    await feed(lifeline, series('G7', [[220, 1]]));
    expect((await alarmsOf('G7')).map((a) => a.state)).toEqual(['cleared']);
  });

  it('a failed alarm transaction stays queued and is written, in order, with the next batch', async () => {
    add({ id: 'M1', type: 'manhole_tilt' });
    const ledger = new AlarmLedger(app.ctx);
    await ledger.load();
    let failNext = true;
    const sink: AlarmSink = {
      activeLevel: (subjectId, key) => ledger.activeLevel(subjectId, key),
      commit: (changes, states) => {
        if (!failNext) return ledger.commit(changes, states);
        failNext = false;
        return Promise.reject(new Error('database unavailable'));
      },
    };
    const engine = new LifelineRuleEngine(app.ctx, sensors, sink);
    await engine.load();
    await expect(engine.evaluate(series('M1', [[0, 6]]), {})).rejects.toThrow('database unavailable');
    expect(await alarmsOf('M1')).toEqual([]);
    await engine.evaluate(series('M1', [[60, 16]]), {});
    await engine.idle();
    const alarms = await alarmsOf('M1');
    expect(alarms.map((a) => a.level)).toEqual(['orange']);
    expect(await historyOf(alarms[0].id)).toEqual(['raise:yellow', 'escalate:orange', 'case:orange']);
  });
});
