/**
 * Lifeline sensing (城市生命线) vocabulary: sensor types with their unit of measure and the
 * physically possible range of a reading, the assets sensors watch, and the shapes the
 * ingest pipeline hands to the rule engine. Types are data: adding one is adding a row.
 */

export type AlarmLevel = 'blue' | 'yellow' | 'orange' | 'red'; // 蓝 黄 橙 红

/** One stored measurement. */
export interface Reading { sensorId: string; ts: number /* epoch ms */; value: number }

/** What the rule engine and the console know about a sensor. */
export interface SensorInfo {
  id: string;
  code: string;
  type: string;
  unit: string;
  assetId: string | null;
  assetType: string | null;
  ownerUnitId: string;
  /** City → district → street → community → grid, from ctx.city.locate. */
  divisionCodes: string[];
  lon: number;
  lat: number;
  /** Expected reporting interval, for offline detection. */
  intervalSeconds: number;
}

export interface SensorType {
  /** zh-CN name shown in the console. */
  name: string;
  unit: string;
  /** Physically possible range: readings outside it are garbage, not alarms. */
  min: number;
  max: number;
  /** Default reporting interval, seconds. */
  intervalSeconds: number;
  /** The line of work that usually owns such sensors (a city utility or a district department). */
  line: 'gas' | 'water' | 'zj' | 'sl' | 'jt' | 'yj' | 'cg';
}

export const SENSOR_TYPES = {
  gas_pressure: { name: '燃气管网压力', unit: 'kPa', min: 0, max: 4000, intervalSeconds: 60, line: 'gas' },
  gas_lel: { name: '可燃气体浓度', unit: '%LEL', min: 0, max: 100, intervalSeconds: 60, line: 'gas' },
  water_pressure: { name: '供水管网压力', unit: 'MPa', min: 0, max: 2.5, intervalSeconds: 60, line: 'water' },
  water_flow: { name: '供水管网流量', unit: 'm3/h', min: 0, max: 50_000, intervalSeconds: 60, line: 'water' },
  river_level: { name: '河道水位', unit: 'm', min: 0, max: 400, intervalSeconds: 300, line: 'sl' },
  waterlogging_depth: { name: '道路积水深度', unit: 'cm', min: 0, max: 500, intervalSeconds: 300, line: 'cg' },
  rainfall: { name: '降雨量', unit: 'mm/h', min: 0, max: 300, intervalSeconds: 300, line: 'sl' },
  bridge_strain: { name: '桥梁应变', unit: 'µε', min: -5000, max: 5000, intervalSeconds: 60, line: 'jt' },
  bridge_displacement: { name: '桥梁位移', unit: 'mm', min: -1000, max: 1000, intervalSeconds: 60, line: 'jt' },
  bridge_vibration: { name: '桥梁振动加速度', unit: 'm/s2', min: 0, max: 50, intervalSeconds: 60, line: 'jt' },
  slope_displacement: { name: '边坡位移', unit: 'mm', min: -5000, max: 5000, intervalSeconds: 600, line: 'yj' },
  crack_width: { name: '裂缝宽度', unit: 'mm', min: 0, max: 500, intervalSeconds: 600, line: 'yj' },
  tunnel_settlement: { name: '隧道沉降', unit: 'mm', min: -1000, max: 1000, intervalSeconds: 600, line: 'jt' },
  manhole_tilt: { name: '井盖倾角', unit: '°', min: 0, max: 180, intervalSeconds: 3600, line: 'cg' },
  fire_water_pressure: { name: '高层消防水压', unit: 'MPa', min: 0, max: 3, intervalSeconds: 300, line: 'yj' },
} as const satisfies Record<string, SensorType>;

export type SensorTypeCode = keyof typeof SENSOR_TYPES;
export const SENSOR_TYPE_CODES = Object.keys(SENSOR_TYPES) as SensorTypeCode[];

export function sensorType(code: string): SensorType | undefined {
  return Object.hasOwn(SENSOR_TYPES, code) ? SENSOR_TYPES[code as SensorTypeCode] : undefined;
}

/** Assets a sensor watches (监测对象). */
export const ASSET_TYPES = {
  pipe_segment: '管段',
  bridge: '桥梁',
  slope: '边坡',
  tunnel: '隧道',
  river_section: '河段',
  waterlogging_point: '易涝点',
  manhole: '窨井',
  building: '高层建筑',
} as const;

export type AssetType = keyof typeof ASSET_TYPES;
export const ASSET_TYPE_CODES = Object.keys(ASSET_TYPES) as AssetType[];

/**
 * Units as devices spell them: case, spacing, superscripts and the micro sign vary
 * ("KPA", "m³/h", "με"); all compare equal after this.
 */
export function normalizeUnit(unit: string): string {
  return unit.toLowerCase().replace(/\s+/g, '').replaceAll('³', '3').replaceAll('²', '2').replace(/[µμ]/g, 'u').replace(/^deg(ree)?s?$/, '°');
}

/** Why a reading was refused; counted per device. */
export const REJECT_REASONS = [
  'malformed', // not an object with sensor, ts and value
  'unknown_sensor',
  'not_permitted', // the sensor is not this device's or this gateway's
  'not_a_number',
  'wrong_unit',
  'future_timestamp',
  'stale_timestamp',
  'out_of_range',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];
