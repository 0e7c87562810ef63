/**
 * Registering sensors, assets and gateways, and reading them within one's jurisdiction.
 * Centers see the sensors located in their area; departments and utilities see the sensors
 * they own. Only administrators register, always inside their own area, and every
 * registration is audited in its transaction.
 */
import { nodeChannelOf } from '../cluster/index.ts';
import type { AppContext } from '../app.ts';
import { appendAudit } from '../audit/index.ts';
import { toWgs84 } from '../geo/crs.ts';
import { Problem, notFound, type FieldError } from '../http/errors.ts';
import { unitDirectory, type UnitDirectory } from '../org/directory.ts';
import { jurisdictionOf } from '../org/jurisdiction.ts';
import type { Principal } from '../org/model.ts';
import { ASSET_TYPES, normalizeUnit, sensorType, type AlarmLevel } from './model.ts';
import type { GatewayEntry, SensorEntry, SensorRegistry } from './registry.ts';
import { hashSecret, newSecret } from './registry-credentials.ts';
import type { ParseError, SensorInput } from './registry-import.ts';
import * as store from './registry-store.ts';

/** What the registry service needs of the running sensing feature. */
export interface SensingView {
  registry: SensorRegistry;
  /** Epoch ms of the sensor's newest reading, 0 when none yet. */
  lastSeen(num: number): number;
  alarmLevel(sensorId: string): AlarmLevel | null;
}

export type SensorStatus = 'online' | 'offline' | 'alarm';

export interface SensorView {
  id: string; code: string; name: string | null; type: string; typeName: string; unit: string;
  assetId: string | null; assetType: string | null; gatewayId: string | null; ownerUnitId: string;
  lon: number; lat: number; divisionCodes: string[]; streetCode: string; intervalSeconds: number;
  status: SensorStatus; alarmLevel: AlarmLevel | null; lastSeenAt: string | null; hasSecret: boolean; createdAt: string;
}

/** A sensor is online when it reported within three of its intervals. */
export function statusOf(s: SensingView, e: SensorEntry, now: number): { status: SensorStatus; alarmLevel: AlarmLevel | null; lastSeen: number } {
  const lastSeen = s.lastSeen(e.num);
  const alarmLevel = s.alarmLevel(e.id);
  const status: SensorStatus = alarmLevel ? 'alarm' : lastSeen > 0 && now - lastSeen <= 3 * e.intervalSeconds * 1000 ? 'online' : 'offline';
  return { status, alarmLevel, lastSeen };
}

export function viewOf(s: SensingView, e: SensorEntry, now: number): SensorView {
  const { status, alarmLevel, lastSeen } = statusOf(s, e, now);
  return {
    id: e.id, code: e.code, name: e.name, type: e.type, typeName: sensorType(e.type)?.name ?? e.type, unit: e.unit,
    assetId: e.assetId, assetType: e.assetType, gatewayId: e.gatewayId, ownerUnitId: e.ownerUnitId, lon: e.lon, lat: e.lat,
    divisionCodes: e.divisionCodes, streetCode: e.streetCode, intervalSeconds: e.intervalSeconds, status, alarmLevel,
    lastSeenAt: lastSeen > 0 ? new Date(lastSeen).toISOString() : null, hasSecret: e.secretHash !== null, createdAt: e.createdAt.toISOString(),
  };
}

/** Whether the principal may see things located in a street or owned by a unit. */
export function reachOf(principal: Principal, units: UnitDirectory): { streets: Set<string> | null; ownerUnitId: string } | undefined {
  const unit = principal.unit;
  if (!unit || principal.user.role === 'citizen') return undefined;
  if (unit.kind !== 'center') return { streets: new Set(), ownerUnitId: unit.id };
  const streets = units.streetsOf(unit);
  return { streets: streets ? new Set(streets) : null, ownerUnitId: unit.id };
}

export function seesSensor(reach: ReturnType<typeof reachOf>, e: { ownerUnitId: string; streetCode: string }): boolean {
  return !!reach && (e.ownerUnitId === reach.ownerUnitId || reach.streets === null || reach.streets.has(e.streetCode));
}

export async function visibleSensor(ctx: AppContext, s: SensingView, principal: Principal, id: string): Promise<SensorEntry> {
  await s.registry.ready();
  const e = s.registry.get(id);
  if (!e || e.id !== id || !seesSensor(reachOf(principal, await unitDirectory(ctx)), e)) throw notFound('sensor', id);
  return e;
}

export interface SensorFilter {
  division?: string; type?: string; status?: SensorStatus; asset?: string;
  bbox?: [number, number, number, number]; limit: number; offset: number;
}

export async function listSensors(ctx: AppContext, s: SensingView, principal: Principal, f: SensorFilter): Promise<{ items: SensorView[]; total: number }> {
  await s.registry.ready();
  const reach = reachOf(principal, await unitDirectory(ctx));
  const now = ctx.clock().getTime();
  const items: SensorView[] = [];
  let total = 0;
  for (const e of s.registry.all()) {
    if (!e || !seesSensor(reach, e)) continue;
    if (f.type && e.type !== f.type) continue;
    if (f.asset && e.assetId !== f.asset) continue;
    if (f.division && !e.divisionCodes.includes(f.division)) continue;
    if (f.bbox && (e.lon < f.bbox[0] || e.lat < f.bbox[1] || e.lon > f.bbox[2] || e.lat > f.bbox[3])) continue;
    if (f.status && statusOf(s, e, now).status !== f.status) continue;
    if (total >= f.offset && items.length < f.limit) items.push(viewOf(s, e, now));
    total++;
  }
  return { items, total };
}

// ── registration ───────────────────────────────────────────────────────────────────────

const SECRET = /^[A-Za-z0-9_-]{16,200}$/;
const CODE = /^[A-Za-z0-9_.-]{1,100}$/;

interface Located { lon: number; lat: number; divisionCodes: string[]; streetCode: string; districtCode: string }

function locate(ctx: AppContext, lon: number, lat: number, crs: 'wgs84' | 'gcj02' = 'wgs84'): Located | string {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) return 'lon/lat out of range';
  const [x, y] = toWgs84(lon, lat, crs);
  const at = ctx.city.locate(x, y, ctx.today());
  if (!at) return `(${lon}, ${lat}) is outside the city`;
  return {
    lon: x, lat: y, divisionCodes: [at.city.code, at.district.code, at.street.code, at.community.code, at.grid.code],
    streetCode: at.street.code, districtCode: at.district.code,
  };
}

/** The unit that usually owns a type's sensors: the city utility, else the district department, else the district center. */
export function defaultOwner(exists: (unitId: string) => boolean, line: string, districtCode: string): string {
  const id = line === 'gas' || line === 'water' ? `D-500000-${line}` : `D-${districtCode}-${line}`;
  return exists(id) ? id : `C-${districtCode}`;
}

export interface Registered { sensors: SensorEntry[]; secrets: Record<string, string>; assetsCreated: number }

/**
 * Registers sensors (one from the API, many from an import): all or nothing. Refuses the
 * whole batch with every row's problem listed.
 */
export async function registerSensors(
  ctx: AppContext, s: SensingView, principal: Principal, inputs: readonly SensorInput[],
  options: { issueSecrets: boolean; requestId: string; source: string; parseErrors?: readonly ParseError[] },
): Promise<Registered> {
  await s.registry.ready();
  const units = await unitDirectory(ctx);
  const jurisdiction = jurisdictionOf(principal, ctx.city);
  const today = ctx.today();
  const errors: FieldError[] = (options.parseErrors ?? []).map((e) => ({ pointer: '/body', message: `${e.item}: ${e.message}` }));
  const codes = new Set<string>();
  const assetIds = [...new Set(inputs.map((i) => i.assetId).filter((a): a is string => !!a))];
  const knownAssets = new Map((await store.assetsByIds(ctx.db, assetIds)).map((a) => [a.id, a]));
  const newAssets = new Map<string, store.AssetRow>();
  const taken = new Set(await store.existingCodes(ctx.db, inputs.map((i) => i.code)));
  const sensors: store.NewSensor[] = [];
  const secrets: Record<string, string> = {};
  const at = ctx.clock();
  inputs.forEach((input, index) => {
    const fail = (message: string) => errors.push({ pointer: `/${index}`, message: `${input.code ?? `#${index}`}: ${message}` });
    const type = sensorType(input.type);
    if (!CODE.test(input.code ?? '')) return fail('code must be 1–100 of A-Z a-z 0-9 _ . -');
    if (codes.has(input.code) || taken.has(input.code) || s.registry.get(input.code)) return fail('code already registered');
    codes.add(input.code);
    if (!type) return fail(`unknown type ${input.type}`);
    if (input.unit !== undefined && normalizeUnit(input.unit) !== normalizeUnit(type.unit)) return fail(`unit of ${input.type} is ${type.unit}, not ${input.unit}`);
    const place = locate(ctx, input.lon, input.lat, input.crs);
    if (typeof place === 'string') return fail(place);
    if (!jurisdiction.covers(place.streetCode, today)) return fail('location is outside your jurisdiction');
    const ownerUnitId = input.ownerUnitId ?? defaultOwner((id) => !!units.get(id), type.line, place.districtCode);
    const owner = units.get(ownerUnitId);
    if (!owner || !jurisdiction.seesUnit(owner, today)) return fail(`unknown owner unit ${ownerUnitId}`);
    let gatewayId: string | null = null;
    if (input.gateway) {
      const g = s.registry.gateway(input.gateway);
      if (!g) return fail(`unknown gateway ${input.gateway}`);
      gatewayId = g.id;
    }
    if (input.assetId && !knownAssets.has(input.assetId) && !newAssets.has(input.assetId)) {
      if (!CODE.test(input.assetId)) return fail('asset id must be 1–100 of A-Z a-z 0-9 _ . -');
      if (!input.assetType || !Object.hasOwn(ASSET_TYPES, input.assetType)) return fail(`asset ${input.assetId} is new: give asset_type, one of ${Object.keys(ASSET_TYPES).join(', ')}`);
      newAssets.set(input.assetId, {
        id: input.assetId, type: input.assetType, name: input.assetName ?? input.assetId, ownerUnitId, lon: place.lon, lat: place.lat,
        divisionCodes: place.divisionCodes, streetCode: place.streetCode, createdAt: at,
      });
    }
    if (input.secret !== undefined && !SECRET.test(input.secret)) return fail('secret must be 16–200 of A-Z a-z 0-9 _ -');
    const interval = input.intervalSeconds ?? type.intervalSeconds;
    if (!Number.isInteger(interval) || interval < 1 || interval > 86_400) return fail('interval_seconds must be an integer from 1 to 86400');
    const secret = input.secret ?? (options.issueSecrets ? newSecret() : undefined);
    if (secret && !input.secret) secrets[input.code] = secret;
    sensors.push({
      id: ctx.newId('sen'), code: input.code, name: input.name ?? null, type: input.type, unit: type.unit, assetId: input.assetId ?? null, gatewayId,
      ownerUnitId, lon: place.lon, lat: place.lat, divisionCodes: place.divisionCodes, streetCode: place.streetCode, intervalSeconds: interval,
      secretHash: secret ? hashSecret(secret) : null,
    });
  });
  if (errors.length) {
    throw new Problem('CY_UNPROCESSABLE', `${errors.length} problem(s); nothing was registered. First: ${errors[0].message}`, errors.slice(0, 200));
  }
  const nums = await ctx.db.transaction(async (tx) => {
    await store.insertAssets(tx, [...newAssets.values()], at);
    const assigned = await store.insertSensors(tx, sensors, at);
    await appendAudit(tx, {
      at, actor: principal.user.id, action: sensors.length === 1 ? 'sensor.register' : 'sensor.import', entityType: 'sensor',
      entityId: sensors.length === 1 ? sensors[0].id : `import:${options.requestId}`, requestId: options.requestId,
      after: sensors.length === 1 ? { ...sensors[0], secretHash: undefined } : { source: options.source, sensors: sensors.length, assets: newAssets.size, codes: sensors.slice(0, 20).map((x) => x.code) },
    });
    return assigned;
  });
  const entries = sensors.map((x) => s.registry.add({
    ...x, num: nums.get(x.id)!, assetType: x.assetId ? (knownAssets.get(x.assetId) ?? newAssets.get(x.assetId))!.type : null, active: true, createdAt: at,
  }));
  announceRegistryChange(ctx);
  return { sensors: entries, secrets, assetsCreated: newAssets.size };
}

/** Sensors and gateways are registered on one node: the others load them now rather than at their next periodic refresh. */
export const REGISTRY_TOPIC = 'sensor-registry';

function announceRegistryChange(ctx: AppContext): void {
  nodeChannelOf(ctx.bus)?.send(REGISTRY_TOPIC, new Uint8Array(0));
}

export async function registerAsset(
  ctx: AppContext, principal: Principal, input: { id?: string; type: string; name: string; lon: number; lat: number; crs?: 'wgs84' | 'gcj02'; ownerUnitId: string }, requestId: string,
): Promise<store.AssetRow> {
  const units = await unitDirectory(ctx);
  const jurisdiction = jurisdictionOf(principal, ctx.city);
  const place = locate(ctx, input.lon, input.lat, input.crs);
  if (typeof place === 'string') throw new Problem('CY_OUT_OF_AREA', place);
  // As for sensors: a place outside your jurisdiction is bad input (422), not a role you lack (403).
  if (!jurisdiction.covers(place.streetCode, ctx.today())) throw new Problem('CY_UNPROCESSABLE', 'location is outside your jurisdiction');
  const owner = units.get(input.ownerUnitId);
  if (!owner || !jurisdiction.seesUnit(owner, ctx.today())) throw new Problem('CY_UNPROCESSABLE', `unknown owner unit ${input.ownerUnitId}`);
  const id = input.id ?? ctx.newId('ast');
  if ((await store.assetsByIds(ctx.db, [id])).length) throw new Problem('CY_CONFLICT', `asset ${id} exists`);
  const at = ctx.clock();
  const asset: store.AssetRow = { id, type: input.type, name: input.name, ownerUnitId: owner.id, lon: place.lon, lat: place.lat, divisionCodes: place.divisionCodes, streetCode: place.streetCode, createdAt: at };
  await ctx.db.transaction(async (tx) => {
    await store.insertAssets(tx, [asset], at);
    await appendAudit(tx, { at, actor: principal.user.id, action: 'asset.register', entityType: 'sensing_asset', entityId: id, after: asset, requestId });
  });
  return asset;
}

export async function listAssets(ctx: AppContext, principal: Principal, type: string | undefined, limit: number, offset: number): Promise<store.AssetRow[]> {
  const reach = reachOf(principal, await unitDirectory(ctx));
  if (!reach) return [];
  return store.listAssets(ctx.db, { streets: reach.streets ? [...reach.streets] : null, ownerUnitId: reach.ownerUnitId }, type, limit, offset);
}

export async function registerGateway(
  ctx: AppContext, s: SensingView, principal: Principal, input: { code: string; name: string; ownerUnitId: string; secret?: string }, requestId: string,
): Promise<{ gateway: GatewayEntry; secret: string | null }> {
  await s.registry.ready();
  const units = await unitDirectory(ctx);
  const owner = units.get(input.ownerUnitId);
  if (!owner || !jurisdictionOf(principal, ctx.city).managesUnit(owner, ctx.today())) throw new Problem('CY_UNPROCESSABLE', `unknown owner unit ${input.ownerUnitId}, or not one you manage`);
  if (s.registry.gateway(input.code)) throw new Problem('CY_CONFLICT', `gateway ${input.code} exists`);
  const secret = input.secret ?? newSecret();
  const at = ctx.clock();
  const row = await ctx.db.transaction(async (tx) => {
    const g = await store.insertGateway(tx, { id: ctx.newId('gw'), code: input.code, name: input.name, ownerUnitId: owner.id, secretHash: hashSecret(secret) }, at);
    await appendAudit(tx, { at, actor: principal.user.id, action: 'gateway.register', entityType: 'sensing_gateway', entityId: g.id, after: { ...g, secretHash: undefined }, requestId });
    return g;
  });
  s.registry.addGateway(row);
  announceRegistryChange(ctx);
  return { gateway: row, secret: input.secret ? null : secret };
}

/** Gateways the principal's unit owns or manages. */
export async function listGateways(ctx: AppContext, s: SensingView, principal: Principal): Promise<GatewayEntry[]> {
  await s.registry.ready();
  const units = await unitDirectory(ctx);
  const jurisdiction = jurisdictionOf(principal, ctx.city);
  return s.registry.gateways().filter((g) => {
    const owner = units.get(g.ownerUnitId);
    return g.ownerUnitId === principal.unit?.id || (!!owner && jurisdiction.managesUnit(owner, ctx.today()));
  });
}
