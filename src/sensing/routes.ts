/**
 * HTTP routes of lifeline sensing: sensor types, sensors, assets, gateways, bulk import and
 * chart series. Ingest itself (device credentials, raw bodies) lives in routes-ingest.ts.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../app.ts';
import { allow, principalOf, SECURED, STAFF } from '../http/auth.ts';
import { Problem } from '../http/errors.ts';
import { Bbox, parseBbox, problems } from '../http/schemas.ts';
import { sensing } from './index.ts';
import { ASSET_TYPE_CODES, ASSET_TYPES, SENSOR_TYPE_CODES, SENSOR_TYPES } from './model.ts';
import { parseSensorCsv, parseSensorGeoJson, type SensorInput } from './registry-import.ts';
import * as registry from './registry-service.ts';
import { MAX_POINTS, querySeries, type QueryResolution } from './series.ts';
import { ingestRoutes } from './routes-ingest.ts';

const literals = (values: readonly string[], description?: string) => Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Code = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' });
const Secret = Type.String({ pattern: '^[A-Za-z0-9_-]{16,200}$', description: 'Device secret; omitted: one is issued and shown once' });
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Lon = Type.Number({ minimum: -180, maximum: 180 });
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Crs = literals(['wgs84', 'gcj02']);

const SensorSchema = Type.Object({
  id: Type.String(), code: Type.String(), name: Nullable(Type.String()), type: Type.String(), typeName: Type.String(), unit: Type.String(),
  assetId: Nullable(Type.String()), assetType: Nullable(Type.String()), gatewayId: Nullable(Type.String()), ownerUnitId: Type.String(),
  lon: Type.Number(), lat: Type.Number(), divisionCodes: Type.Array(Type.String(), { description: 'City, district, street, community, grid' }),
  streetCode: Type.String(), intervalSeconds: Type.Integer(),
  status: literals(['online', 'offline', 'alarm'], 'online: reported within 3 intervals; alarm: an active alarm'),
  alarmLevel: Nullable(literals(['blue', 'yellow', 'orange', 'red'])), lastSeenAt: Nullable(Type.String({ format: 'date-time' })),
  hasSecret: Type.Boolean(), createdAt: Type.String({ format: 'date-time' }),
});

export const SensorInputSchema = Type.Object({
  code: Code, type: literals(SENSOR_TYPE_CODES), lon: Lon, lat: Lat, crs: Type.Optional(Crs),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), unit: Type.Optional(Type.String({ maxLength: 20, description: 'Checked against the type\'s unit' })),
  ownerUnitId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Default: the city utility or district department of the type\'s line' })),
  assetId: Type.Optional(Code), assetType: Type.Optional(literals(ASSET_TYPE_CODES)), assetName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  gateway: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Gateway id or code relaying the readings' })),
  intervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })), secret: Type.Optional(Secret),
}, { additionalProperties: false });

const AssetSchema = Type.Object({
  id: Type.String(), type: Type.String(), name: Type.String(), ownerUnitId: Type.String(), lon: Type.Number(), lat: Type.Number(),
  divisionCodes: Type.Array(Type.String()), streetCode: Type.String(), createdAt: Type.String({ format: 'date-time' }),
});

const GatewaySchema = Type.Object({ id: Type.String(), code: Type.String(), name: Type.String(), ownerUnitId: Type.String(), active: Type.Boolean(), createdAt: Type.String({ format: 'date-time' }) });

const Page = { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), offset: Type.Integer({ minimum: 0, default: 0 }) };

export async function sensingRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const s = sensing(ctx);
  app.addHook('onClose', () => s.close());

  app.get('/sensor-types', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['sensing'], summary: 'Sensor types with unit and physical range, and asset types', security: SECURED,
      response: {
        200: Type.Object({
          sensorTypes: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), unit: Type.String(), min: Type.Number(), max: Type.Number(), intervalSeconds: Type.Integer(), line: Type.String() })),
          assetTypes: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
        }),
        ...problems(401, 403),
      },
    },
  }, async () => ({
    sensorTypes: SENSOR_TYPE_CODES.map((code) => ({ code, ...SENSOR_TYPES[code] })),
    assetTypes: ASSET_TYPE_CODES.map((code) => ({ code, name: ASSET_TYPES[code] })),
  }));

  app.get('/sensors', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['sensing'], summary: 'Sensors in your jurisdiction (or owned by your unit), with filters', security: SECURED,
      querystring: Type.Object({
        division: Type.Optional(Type.String({ pattern: '^[0-9]{6,15}$', description: 'Any division or grid code on the sensor\'s chain' })),
        type: Type.Optional(literals(SENSOR_TYPE_CODES)), status: Type.Optional(literals(['online', 'offline', 'alarm'])), asset: Type.Optional(Code),
        bbox: Type.Optional(Bbox),
        ...Page,
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(SensorSchema), total: Type.Integer() }), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const q = request.query as registry.SensorFilter & { bbox?: string };
    return registry.listSensors(ctx, s, principalOf(request), { ...q, bbox: q.bbox === undefined ? undefined : parseBbox(q.bbox) });
  });

  app.get('/sensors/:id', {
    preHandler: allow(app, STAFF),
    schema: { tags: ['sensing'], summary: 'One sensor', security: SECURED, params: IdParam, response: { 200: SensorSchema, ...problems(401, 403, 404) } },
  }, async (request) => {
    const e = await registry.visibleSensor(ctx, s, principalOf(request), (request.params as { id: string }).id);
    return registry.viewOf(s, e, ctx.clock().getTime());
  });

  app.post('/sensors', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['sensing'], summary: 'Register a sensor in your jurisdiction; the device secret is shown once', security: SECURED, body: SensorInputSchema,
      response: { 201: Type.Object({ sensor: SensorSchema, secret: Nullable(Type.String()) }), ...problems(400, 401, 403, 422) },
    },
  }, async (request, reply) => {
    const input = request.body as SensorInput;
    const done = await registry.registerSensors(ctx, s, principalOf(request), [input], { issueSecrets: true, requestId: request.id, source: 'api' });
    return reply.status(201).send({ sensor: registry.viewOf(s, done.sensors[0], ctx.clock().getTime()), secret: done.secrets[input.code] ?? null });
  });

  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser(['text/csv', 'application/geo+json', 'application/json'], { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    raw.post('/sensors/import', {
      preHandler: allow(app, ['admin']),
      schema: {
        tags: ['sensing'],
        summary: 'Bulk registration: CSV (text/csv; header names the columns: code,type,lon,lat,crs,name,unit,owner_unit_id,asset_id,asset_type,asset_name,gateway,interval_seconds,secret) or a GeoJSON FeatureCollection of points (application/geo+json, same fields as properties). All or nothing.',
        security: SECURED, body: Type.String({ description: 'The CSV or GeoJSON text' }),
        response: { 201: Type.Object({ imported: Type.Integer(), assetsCreated: Type.Integer() }), ...problems(400, 401, 403, 413, 415, 422) },
      },
    }, async (request, reply) => {
      const csv = (request.headers['content-type'] ?? '').startsWith('text/csv');
      const parsed = csv ? parseSensorCsv(request.body as string) : parseSensorGeoJson(request.body as string);
      if (parsed.rows.length === 0 && parsed.errors.length === 0) throw new Problem('CY_UNPROCESSABLE', 'the file has no sensors');
      const done = await registry.registerSensors(ctx, s, principalOf(request), parsed.rows, {
        issueSecrets: false, requestId: request.id, source: csv ? 'csv' : 'geojson', parseErrors: parsed.errors,
      });
      return reply.status(201).send({ imported: done.sensors.length, assetsCreated: done.assetsCreated });
    });
  });

  app.get('/sensors/:id/readings', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['sensing'], summary: `A sensor's readings for charts: raw values, or 1-minute / 1-hour min, max, avg and count (at most ${MAX_POINTS} points)`, security: SECURED,
      params: IdParam,
      querystring: Type.Object({
        from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 24 hours before `to`' })),
        to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
        resolution: Type.Optional(literals(['raw', '1m', '1h', 'auto'], 'auto (default): raw up to 6 h, 1m up to 7 days, else 1h')),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          sensorId: Type.String(), unit: Type.String(), resolution: literals(['raw', '1m', '1h']), from: Type.String(), to: Type.String(), truncated: Type.Boolean(),
          points: Type.Array(Type.Object({
            ts: Type.String({ format: 'date-time', description: 'Reading time, or bucket start' }), value: Type.Optional(Type.Number()),
            min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()), avg: Type.Optional(Type.Number()), count: Type.Optional(Type.Integer()),
          })),
        }),
        ...problems(400, 401, 403, 404),
      },
    },
  }, async (request) => {
    const q = request.query as { from?: string; to?: string; resolution?: QueryResolution | 'auto' };
    const e = await registry.visibleSensor(ctx, s, principalOf(request), (request.params as { id: string }).id);
    const to = q.to ? Date.parse(q.to) : ctx.clock().getTime();
    const from = q.from ? Date.parse(q.from) : to - 86_400_000;
    const answer = await querySeries(ctx.db, s.flushRollups, e.num, from, to, q.resolution ?? 'auto');
    return { sensorId: e.id, unit: e.unit, ...answer };
  });

  app.get('/assets', {
    preHandler: allow(app, STAFF),
    schema: {
      tags: ['sensing'], summary: 'Monitored assets (pipe segments, bridges, slopes, tunnels …) in your jurisdiction', security: SECURED,
      querystring: Type.Object({ type: Type.Optional(literals(ASSET_TYPE_CODES)), ...Page }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AssetSchema) }), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const q = request.query as { type?: string; limit: number; offset: number };
    return { items: await registry.listAssets(ctx, principalOf(request), q.type, q.limit, q.offset) };
  });

  app.post('/assets', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['sensing'], summary: 'Register a monitored asset (监测对象)', security: SECURED,
      body: Type.Object({
        id: Type.Optional(Code), type: literals(ASSET_TYPE_CODES), name: Type.String({ minLength: 1, maxLength: 100 }), lon: Lon, lat: Lat, crs: Type.Optional(Crs),
        ownerUnitId: Type.String({ minLength: 1, maxLength: 100 }),
      }, { additionalProperties: false }),
      response: { 201: AssetSchema, ...problems(400, 401, 403, 409, 422) },
    },
  }, async (request, reply) => {
    const asset = await registry.registerAsset(ctx, principalOf(request), request.body as Parameters<typeof registry.registerAsset>[2], request.id);
    return reply.status(201).send(asset);
  });

  app.get('/gateways', {
    preHandler: allow(app, STAFF),
    schema: { tags: ['sensing'], summary: 'Gateways your unit owns or manages', security: SECURED, response: { 200: Type.Object({ items: Type.Array(GatewaySchema) }), ...problems(401, 403) } },
  }, async (request) => ({ items: await registry.listGateways(ctx, s, principalOf(request)) }));

  app.post('/gateways', {
    preHandler: allow(app, ['admin']),
    schema: {
      tags: ['sensing'], summary: 'Register a gateway (网关) that relays its sensors\' readings; the secret is shown once', security: SECURED,
      body: Type.Object({ code: Code, name: Type.String({ minLength: 1, maxLength: 100 }), ownerUnitId: Type.String({ minLength: 1, maxLength: 100 }), secret: Type.Optional(Secret) }, { additionalProperties: false }),
      response: { 201: Type.Object({ gateway: GatewaySchema, secret: Nullable(Type.String()) }), ...problems(400, 401, 403, 409, 422) },
    },
  }, async (request, reply) => {
    const done = await registry.registerGateway(ctx, s, principalOf(request), request.body as { code: string; name: string; ownerUnitId: string; secret?: string }, request.id);
    return reply.status(201).send(done);
  });

  await app.register(ingestRoutes, { ctx });
}
