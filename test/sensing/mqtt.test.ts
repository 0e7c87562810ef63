import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { sensing } from '../../src/sensing/index.ts';
import { startMqttIngest, type MqttIngest } from '../../src/sensing/mqtt.ts';
import { sensingFixture, type Fixture, holdPipeline } from './ingest-fixtures.ts';

const BROKER = process.env.CHENGYUN_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const NOW = Date.parse('2026-11-20T02:00:00Z');
const app = await useTestApp({ now: new Date(NOW).toISOString() });
const root = `test-${randomBytes(4).toString('hex')}/v1`;
let f: Fixture;
let ingest: MqttIngest;
let publisher: mqtt.MqttClient;

const stored = async (code: string) =>
  (await app.ctx.db.query<{ n: number }>('select count(*)::int as n from sensing_reading r join sensing_sensor s on s.num = r.sensor_num where s.code = $1', [code]))[0].n;

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  f = await sensingFixture(app, 'MQ');
  ingest = await startMqttIngest(app.ctx, sensing(app.ctx), { url: BROKER, topicRoot: root, connections: 2 });
  publisher = await mqtt.connectAsync(BROKER, { clientId: `test-pub-${randomBytes(4).toString('hex')}` });
});

afterAll(async () => {
  await publisher?.endAsync();
  await ingest?.stop();
});

describe('MQTT ingest against the broker', () => {
  it('stores readings published by a gateway and by a device, QoS 1', async () => {
    await publisher.publishAsync(`${root}/${f.gateway.code}/readings`, JSON.stringify([{ sensor: 'MQ-A', ts: NOW - 1000, value: 5 }, { sensor: 'MQ-B', ts: NOW - 1000, value: 6 }]), { qos: 1 });
    await publisher.publishAsync(`${root}/MQ-DEV/readings`, JSON.stringify([{ ts: NOW - 1000, value: 0.3 }]), { qos: 1 });
    await until(async () => (await stored('MQ-A')) === 1 && (await stored('MQ-B')) === 1 && (await stored('MQ-DEV')) === 1);
  });

  it('counts garbage per source and keeps going', async () => {
    await publisher.publishAsync(`${root}/${f.gateway.code}/readings`, 'not json at all', { qos: 1 });
    await publisher.publishAsync(`${root}/${f.gateway.code}/readings`, JSON.stringify([{ sensor: 'MQ-A', ts: NOW, value: Number.MAX_VALUE }, { sensor: 'MQ-OTHER', ts: NOW, value: 1 }]), { qos: 1 });
    await publisher.publishAsync(`${root}/NOBODY/readings`, JSON.stringify([{ sensor: 'MQ-A', ts: NOW, value: 1 }]), { qos: 1 });
    await publisher.publishAsync(`${root}/${f.gateway.code}/readings`, JSON.stringify([{ sensor: 'MQ-C', ts: NOW, value: 1 }]), { qos: 1 });
    await until(async () => (await stored('MQ-C')) === 1);
    const stats = (await app.server.inject({ url: '/api/v1/ingest/stats', headers: f.admin })).json().sources;
    expect(stats.find((s: { source: string }) => s.source === `gateway:${f.gateway.id}`).reasons).toEqual({ malformed: 1, out_of_range: 1, not_permitted: 1 });
    expect(stats.find((s: { source: string }) => s.source === 'mqtt:NOBODY').reasons).toEqual({ unknown_sensor: 1 });
  });

  it('pauses while the pipeline is full and catches up when it drains', async () => {
    const hold = holdPipeline(app, 3);
    try {
      const topic = `${root}/${f.gateway.code}/readings`;
      await publisher.publishAsync(topic, JSON.stringify([1, 2, 3].map((i) => ({ sensor: 'MQ-B', ts: NOW - 10_000 + i, value: i }))), { qos: 1 });
      await until(async () => (await stored('MQ-B')) === 4);
      await publisher.publishAsync(topic, JSON.stringify([{ sensor: 'MQ-B', ts: NOW - 20_000, value: 1 }]), { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      expect(await stored('MQ-B')).toBe(4);
      hold.release();
      await until(async () => (await stored('MQ-B')) === 5);
    } finally {
      hold.restore();
    }
  });
});
