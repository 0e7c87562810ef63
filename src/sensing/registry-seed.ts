/**
 * Demo sensors for `chengyun demo`: a few thousand lifeline sensors on assets spread over
 * the districts (most in the central urban area), one demo gateway relaying them, and the
 * last two hours of plausible readings so maps and charts have something to show.
 * Deterministic (seeded random), skipped when sensors exist.
 */
import type { CityModel } from '../divisions/city-model.ts';
import { appendAudit } from '../audit/index.ts';
import { deriveUnits } from '../org/derive.ts';
import { mulberry32 } from '../random.ts';
import type { Db } from '../storage/db.ts';
import type { AssetType, SensorTypeCode } from './model.ts';
import { SENSOR_TYPES } from './model.ts';
import { hashSecret, newSecret } from './registry-credentials.ts';
import { defaultOwner } from './registry-service.ts';
import { insertAssets, insertGateway, insertSensors, type AssetRow, type NewSensor } from './registry-store.ts';
import { insertReadings } from './ingest-store.ts';

/** Asset kinds with their sensors, how many of each asset, and a typical reading and its noise. */
const KINDS: readonly { asset: AssetType; prefix: string; name: string; count: number; sensors: readonly { type: SensorTypeCode; base: number; noise: number }[] }[] = [
  { asset: 'pipe_segment', prefix: 'GAS', name: '中压燃气管段', count: 500, sensors: [{ type: 'gas_pressure', base: 300, noise: 8 }, { type: 'gas_lel', base: 1, noise: 0.8 }] },
  { asset: 'pipe_segment', prefix: 'WTR', name: '供水主管段', count: 300, sensors: [{ type: 'water_pressure', base: 0.35, noise: 0.02 }, { type: 'water_flow', base: 800, noise: 60 }] },
  { asset: 'bridge', prefix: 'BRG', name: '桥梁', count: 80, sensors: [{ type: 'bridge_strain', base: 120, noise: 15 }, { type: 'bridge_displacement', base: 5, noise: 1 }, { type: 'bridge_vibration', base: 0.05, noise: 0.02 }] },
  { asset: 'slope', prefix: 'SLP', name: '边坡', count: 200, sensors: [{ type: 'slope_displacement', base: 12, noise: 0.3 }, { type: 'crack_width', base: 2, noise: 0.05 }] },
  { asset: 'tunnel', prefix: 'TNL', name: '隧道', count: 30, sensors: [{ type: 'tunnel_settlement', base: 3, noise: 0.2 }] },
  { asset: 'river_section', prefix: 'RIV', name: '河段', count: 40, sensors: [{ type: 'river_level', base: 172, noise: 0.2 }, { type: 'rainfall', base: 0, noise: 0 }] },
  { asset: 'waterlogging_point', prefix: 'WLG', name: '易涝点', count: 150, sensors: [{ type: 'waterlogging_depth', base: 0, noise: 0 }] },
  { asset: 'manhole', prefix: 'MHL', name: '窨井', count: 300, sensors: [{ type: 'manhole_tilt', base: 0.5, noise: 0.2 }] },
  { asset: 'building', prefix: 'BLD', name: '高层建筑', count: 200, sensors: [{ type: 'fire_water_pressure', base: 0.6, noise: 0.03 }] },
];

/** 主城区 (central urban area) bounds, where most lifeline assets are. */
const CENTRAL = { lon: [106.35, 106.75], lat: [29.4, 29.75] } as const;
const CITY = { lon: [105.3, 110.1], lat: [28.2, 32.1] } as const;

export async function seedDemoSensors(db: Db, city: CityModel, at: Date, date: string): Promise<{ sensors: number; assets: number; readings: number; gateway: { code: string; secret: string } | null }> {
  const [{ n }] = await db.query<{ n: number }>('select count(*)::int as n from sensing_sensor');
  if (n > 0) return { sensors: 0, assets: 0, readings: 0, gateway: null };
  const random = mulberry32(20261120);
  const unitIds = new Set(deriveUnits(city.tree, city.zones, date).map((u) => u.id));
  const spot = () => {
    for (;;) {
      const box = random() < 0.75 ? CENTRAL : CITY;
      const lon = box.lon[0] + random() * (box.lon[1] - box.lon[0]);
      const lat = box.lat[0] + random() * (box.lat[1] - box.lat[0]);
      const where = city.locate(lon, lat, date);
      if (where) return { lon, lat, where };
    }
  };
  const secret = newSecret();
  const gateway = { id: 'gw_demo', code: 'DEMO-GW', name: '演示网关', ownerUnitId: 'C-500000', secretHash: hashSecret(secret) };
  const assets: AssetRow[] = [];
  const sensors: (NewSensor & { base: number; noise: number })[] = [];
  for (const kind of KINDS) {
    for (let i = 1; i <= kind.count; i++) {
      const { lon, lat, where } = spot();
      const divisionCodes = [where.city.code, where.district.code, where.street.code, where.community.code, where.grid.code];
      const assetId = `${kind.prefix}-${String(i).padStart(4, '0')}`;
      const line = SENSOR_TYPES[kind.sensors[0].type].line;
      const ownerUnitId = defaultOwner((id) => unitIds.has(id), line, where.district.code);
      assets.push({ id: assetId, type: kind.asset, name: `${where.street.name}${kind.name}${i}号`, ownerUnitId, lon, lat, divisionCodes, streetCode: where.street.code, createdAt: at });
      kind.sensors.forEach((s, j) => {
        const type = SENSOR_TYPES[s.type];
        sensors.push({
          id: `sen_demo_${assetId}_${j}`, code: `${assetId}-${j + 1}`, name: `${type.name}`, type: s.type, unit: type.unit, assetId, gatewayId: gateway.id,
          ownerUnitId: defaultOwner((id) => unitIds.has(id), type.line, where.district.code),
          lon: lon + (j - 0.5) * 0.0002, lat, divisionCodes, streetCode: where.street.code, intervalSeconds: 300, secretHash: null, base: s.base, noise: s.noise,
        });
      });
    }
  }
  await db.transaction(async (tx) => {
    await insertGateway(tx, gateway, at);
    await insertAssets(tx, assets, at);
    await insertSensors(tx, sensors, at);
    await appendAudit(tx, { at, actor: null, action: 'sensor.seed_demo', entityType: 'sensor', entityId: 'demo', after: { sensors: sensors.length, assets: assets.length } });
  });
  // Two hours of readings every five minutes, a little noise around each sensor's typical value.
  const nums = new Map((await db.query<{ id: string; num: number }>('select id, num from sensing_sensor')).map((r) => [r.id, r.num]));
  const cols = { nums: [] as number[], ts: [] as number[], values: [] as number[] };
  const end = Math.floor(at.getTime() / 300_000) * 300_000;
  for (const s of sensors) {
    const type = SENSOR_TYPES[s.type as SensorTypeCode];
    for (let t = end - 2 * 3_600_000; t <= end; t += 300_000) {
      cols.nums.push(nums.get(s.id)!);
      cols.ts.push(t);
      cols.values.push(Math.min(type.max, Math.max(type.min, Math.round((s.base + (random() * 2 - 1) * s.noise) * 1000) / 1000)));
    }
  }
  await db.transaction(async (tx) => {
    await insertReadings(tx, cols.nums, cols.ts, cols.values, cols.nums.length);
    for (const [table, ms] of [['sensing_rollup_1m', 60_000], ['sensing_rollup_1h', 3_600_000]] as const) {
      await tx.query(`insert into ${table} (sensor_num, bucket_ms, vmin, vmax, vsum, n)
        select sensor_num, ts_ms - ts_ms % ${ms}, min(value), max(value), sum(value), count(*) from sensing_reading group by 1, 2`);
    }
  });
  return { sensors: sensors.length, assets: assets.length, readings: cols.nums.length, gateway: { code: gateway.code, secret } };
}
