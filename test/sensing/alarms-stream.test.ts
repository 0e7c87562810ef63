import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import { liveStreams } from '../../src/notify/index.ts';
import { startLifeline } from '../../src/sensing/alarms/runtime.ts';
import { domainEvent, eventually, openStream } from '../notify/helpers.ts';
import { series } from './support/lifeline.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });
await app.server.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.server.address() as AddressInfo).port;
const JIEFANGBEI = '500103003';
const CHAOTIANMEN = '500103010';

describe('alarm events on the live stream', () => {
  it('reach the consoles of the sensor\'s area with level and location, and no one else', async () => {
    const yuzhongAdmin = await app.as('yuzhong.admin');
    const spot = await pointIn(app, JIEFANGBEI, yuzhongAdmin);
    const res = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: yuzhongAdmin, payload: { code: 'GAS-SSE-1', type: 'gas_lel', lon: spot[0], lat: spot[1] } });
    expect(res.statusCode, res.body).toBe(201);
    const sensorId = res.json().sensor.id as string;
    const lifeline = await startLifeline(app.ctx);
    afterAll(() => lifeline.stop());
    const before = liveStreams(app.ctx);
    const jiefangbei = await openStream(port, '/api/v1/events/stream', await app.as('jiefangbei.operator'));
    const chaotianmen = await openStream(port, '/api/v1/events/stream', await app.as('chaotianmen.operator'));
    await eventually(async () => liveStreams(app.ctx) === before + 2);

    for (const r of series(sensorId, [[0, 11], [30, 11]])) await lifeline.engine.evaluate([r], {});
    await lifeline.engine.idle();
    // Names both streams' centers: once it has arrived, everything before it has too.
    app.ctx.bus.publish(domainEvent('test.barrier', { unitIds: [`C-${JIEFANGBEI}`, `C-${CHAOTIANMEN}`] }, '2026-11-20T02:00:31Z'));
    const barrierIn = (events: { event?: string }[]) => events.some((m) => m.event === 'test.barrier');
    await eventually(async () => barrierIn(jiefangbei.messages) && barrierIn(chaotianmen.messages));
    const raised = jiefangbei.messages.find((m) => m.event === 'alarm.raised');
    expect(raised).toBeDefined();
    const payload = JSON.parse(raised!.data!).payload ?? JSON.parse(raised!.data!);
    expect(payload).toMatchObject({ level: 'yellow', sensorId, ruleKind: 'threshold', lon: spot[0], lat: spot[1] });
    expect(chaotianmen.messages.map((m) => m.event)).toEqual(['test.barrier']);
    jiefangbei.close();
    chaotianmen.close();
  });
});
