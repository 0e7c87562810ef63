/** SQL of the sensor registry: sensors, assets, gateways. Bulk writes go as column arrays. */
import type { Queryable } from '../storage/db.ts';

export interface SensorRow {
  id: string; num: number; code: string; name: string | null; type: string; unit: string;
  assetId: string | null; assetType: string | null; gatewayId: string | null; ownerUnitId: string;
  lon: number; lat: number; divisionCodes: string[]; streetCode: string; intervalSeconds: number;
  secretHash: string | null; active: boolean; createdAt: Date;
}

export interface NewSensor {
  id: string; code: string; name: string | null; type: string; unit: string; assetId: string | null; gatewayId: string | null;
  ownerUnitId: string; lon: number; lat: number; divisionCodes: string[]; streetCode: string; intervalSeconds: number; secretHash: string | null;
}

export interface AssetRow {
  id: string; type: string; name: string; ownerUnitId: string; lon: number; lat: number; divisionCodes: string[]; streetCode: string; createdAt: Date;
}

export interface GatewayRow { id: string; code: string; name: string; ownerUnitId: string; secretHash: string; active: boolean; createdAt: Date }

const SENSOR_COLUMNS = `s.id, s.num, s.code, s.name, s.type, s.unit, s.asset_id as "assetId", a.type as "assetType", s.gateway_id as "gatewayId",
  s.owner_unit_id as "ownerUnitId", s.lon, s.lat, s.division_codes as "divisionCodes", s.street_code as "streetCode",
  s.interval_seconds as "intervalSeconds", s.secret_hash as "secretHash", s.active, s.created_at as "createdAt"`;

/** Every sensor, in pages (the registry cache loads them all at start). */
export async function loadSensors(db: Queryable, afterNum: number, limit: number): Promise<SensorRow[]> {
  return db.query<SensorRow>(
    `select ${SENSOR_COLUMNS} from sensing_sensor s left join sensing_asset a on a.id = s.asset_id where s.num > $1 order by s.num limit $2`,
    [afterNum, limit],
  );
}

/** Inserts sensors in one statement per chunk; returns their ids with the assigned numbers. */
export async function insertSensors(tx: Queryable, sensors: readonly NewSensor[], at: Date): Promise<Map<string, number>> {
  const nums = new Map<string, number>();
  const CHUNK = 5000;
  for (let i = 0; i < sensors.length; i += CHUNK) {
    const part = sensors.slice(i, i + CHUNK);
    const rows = await tx.query<{ id: string; num: number }>(
      `insert into sensing_sensor (id, code, name, type, unit, asset_id, gateway_id, owner_unit_id, lon, lat, division_codes, street_code,
                                   interval_seconds, secret_hash, created_at, updated_at)
       select u.id, u.code, u.name, u.type, u.unit, u.asset_id, u.gateway_id, u.owner_unit_id, u.lon, u.lat,
              string_to_array(u.divisions, ','), u.street_code, u.interval_seconds, u.secret_hash, $15, $15
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::float8[], $10::float8[], $11::text[], $12::text[], $13::int4[], $14::text[])
              as u(id, code, name, type, unit, asset_id, gateway_id, owner_unit_id, lon, lat, divisions, street_code, interval_seconds, secret_hash)
       returning id, num`,
      [
        part.map((s) => s.id), part.map((s) => s.code), part.map((s) => s.name), part.map((s) => s.type), part.map((s) => s.unit),
        part.map((s) => s.assetId), part.map((s) => s.gatewayId), part.map((s) => s.ownerUnitId), part.map((s) => s.lon), part.map((s) => s.lat),
        part.map((s) => s.divisionCodes.join(',')), part.map((s) => s.streetCode), part.map((s) => s.intervalSeconds), part.map((s) => s.secretHash), at,
      ],
    );
    for (const r of rows) nums.set(r.id, r.num);
  }
  return nums;
}

export async function existingCodes(db: Queryable, codes: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ code: string }>('select code from sensing_sensor where code = any($1)', [codes]);
  return rows.map((r) => r.code);
}

export async function insertAssets(tx: Queryable, assets: readonly Omit<AssetRow, 'createdAt'>[], at: Date): Promise<void> {
  if (assets.length === 0) return;
  await tx.query(
    `insert into sensing_asset (id, type, name, owner_unit_id, lon, lat, division_codes, street_code, created_at)
     select u.id, u.type, u.name, u.owner, u.lon, u.lat, string_to_array(u.divisions, ','), u.street, $9
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[], $8::text[])
            as u(id, type, name, owner, lon, lat, divisions, street)`,
    [assets.map((a) => a.id), assets.map((a) => a.type), assets.map((a) => a.name), assets.map((a) => a.ownerUnitId), assets.map((a) => a.lon),
      assets.map((a) => a.lat), assets.map((a) => a.divisionCodes.join(',')), assets.map((a) => a.streetCode), at],
  );
}

const ASSET_COLUMNS = `id, type, name, owner_unit_id as "ownerUnitId", lon, lat, division_codes as "divisionCodes", street_code as "streetCode", created_at as "createdAt"`;

export async function assetsByIds(db: Queryable, ids: readonly string[]): Promise<AssetRow[]> {
  return db.query<AssetRow>(`select ${ASSET_COLUMNS} from sensing_asset where id = any($1)`, [ids]);
}

/** Assets in the given streets (null: everywhere) or owned by the unit. */
export async function listAssets(db: Queryable, reach: { streets: string[] | null; ownerUnitId: string }, type: string | undefined, limit: number, offset: number): Promise<AssetRow[]> {
  return db.query<AssetRow>(
    `select ${ASSET_COLUMNS} from sensing_asset
      where ($1::text[] is null or street_code = any($1) or owner_unit_id = $2) and ($3::text is null or type = $3)
      order by id limit $4 offset $5`,
    [reach.streets, reach.ownerUnitId, type ?? null, limit, offset],
  );
}

const GATEWAY_COLUMNS = `id, code, name, owner_unit_id as "ownerUnitId", secret_hash as "secretHash", active, created_at as "createdAt"`;

export async function loadGateways(db: Queryable): Promise<GatewayRow[]> {
  return db.query<GatewayRow>(`select ${GATEWAY_COLUMNS} from sensing_gateway order by code`);
}

export async function insertGateway(tx: Queryable, g: Omit<GatewayRow, 'createdAt' | 'active'>, at: Date): Promise<GatewayRow> {
  const [row] = await tx.query<GatewayRow>(
    `insert into sensing_gateway (id, code, name, owner_unit_id, secret_hash, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)
     returning ${GATEWAY_COLUMNS}`,
    [g.id, g.code, g.name, g.ownerUnitId, g.secretHash, at],
  );
  return row;
}
