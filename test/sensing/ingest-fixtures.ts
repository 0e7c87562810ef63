/** Sensors, a gateway and a helper to post readings, for the ingest, series and MQTT tests. */
import { expect } from 'vitest';
import type { TestApp } from '../support/app.ts';
import { sensing } from '../../src/sensing/index.ts';
import { pointIn } from '../support/geo.ts';

export interface Fixture {
  admin: Record<string, string>;
  /** Sensor code → id. */
  ids: Record<string, string>;
  /** Device secrets by sensor code. */
  secrets: Record<string, string>;
  gateway: { id: string; code: string; secret: string };
  otherGateway: { id: string; code: string; secret: string };
}

/** Registers a gateway with sensors `codes` (type gas_lel) behind it, one stand-alone device and one sensor of another gateway. */
export async function sensingFixture(app: TestApp, prefix: string): Promise<Fixture> {
  const admin = await app.as('admin');
  const [lon, lat] = await pointIn(app, '500103003', admin);
  const gateways = [];
  for (const code of [`${prefix}-GW`, `${prefix}-GW2`]) {
    const res = await app.server.inject({ method: 'POST', url: '/api/v1/gateways', headers: admin, payload: { code, name: code, ownerUnitId: 'D-500000-gas' } });
    expect(res.statusCode, res.body).toBe(201);
    gateways.push({ id: res.json().gateway.id as string, code, secret: res.json().secret as string });
  }
  const csv = ['code,type,lon,lat,gateway',
    ...['A', 'B', 'C'].map((s) => `${prefix}-${s},gas_lel,${lon},${lat},${prefix}-GW`),
    `${prefix}-OTHER,gas_lel,${lon},${lat},${prefix}-GW2`,
  ].join('\n');
  const imported = await app.server.inject({ method: 'POST', url: '/api/v1/sensors/import', headers: { ...admin, 'content-type': 'text/csv' }, payload: csv });
  expect(imported.statusCode, imported.body).toBe(201);
  const device = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: admin, payload: { code: `${prefix}-DEV`, type: 'water_pressure', lon, lat } });
  expect(device.statusCode, device.body).toBe(201);
  const list = await app.server.inject({ url: '/api/v1/sensors?limit=1000', headers: admin });
  const ids = Object.fromEntries(list.json().items.map((s: { code: string; id: string }) => [s.code, s.id]));
  return { admin, ids, secrets: { [`${prefix}-DEV`]: device.json().secret }, gateway: gateways[0], otherGateway: gateways[1] };
}

export function postReadings(app: TestApp, auth: string, body: unknown, contentType = 'application/json') {
  return app.server.inject({
    method: 'POST', url: '/api/v1/ingest/readings', headers: { authorization: auth, 'content-type': contentType },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const gatewayAuth = (g: { code: string; secret: string }) => `Gateway ${g.code}:${g.secret}`;

/** Holds rule evaluation (so stored readings stay in the queue) with a small capacity, until `release`; `restore` undoes it. */
export function holdPipeline(app: TestApp, capacity: number): { release(): void; restore(): void } {
  const s = sensing(app.ctx);
  const before = s.pipeline.capacity;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  s.setEvaluator({ evaluate: () => gate });
  s.pipeline.capacity = capacity;
  return {
    release,
    restore() {
      release();
      s.pipeline.capacity = before;
      s.setEvaluator(undefined);
    },
  };
}
