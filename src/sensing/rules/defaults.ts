/**
 * Default rules per sensor type, seeded once into alarm_rule (admins tune them and override
 * per asset or sensor afterwards). Figures follow common Chongqing and national practice:
 * combustible gas alarms at 5/10/20/25 %LEL (GB/T 50493 puts the first alarm ≤ 25 %LEL);
 * river stages at Cuntan (寸滩) 设防 175 m, 警戒 180.5 m, 保证 183.5 m — every gauge has its
 * own and gets a sensor override; waterlogging 15 cm (kerb), 27 cm (car exhaust), 40 cm;
 * slope displacement rates in mm/day after the 地质灾害 velocity stages.
 */
import type { AlarmLevel } from '../model.ts';
import type { LevelSpec, RuleParams } from './model.ts';

export interface DefaultRule { sensorType: string; params: RuleParams; categoryCode: string }

/** Category codes (src/categories/catalogue.ts) a lifeline alarm's case is filed under. */
const CATEGORY = {
  gas: 'E0403', // 燃气管道破裂
  water: 'E0402', // 自来水管破裂
  waterlogging: 'E0406', // 道路积水
  flood: 'H1606', // 防汛抗旱
  geology: 'H1605', // 地质灾害
  structure: 'H1601', // 安全生产隐患 (bridges, tunnels)
  road: 'H0101', // 市政道路设施 (manhole covers)
  fire: 'H1602', // 消防安全
} as const;

const levels = (direction: 'above' | 'below', t: Partial<Record<AlarmLevel, number>>, hysteresis: number, create: LevelSpec['create'] = { mode: 'immediate' }, clearSeconds = 300): LevelSpec =>
  ({ direction, thresholds: t, hysteresis, create, clearSeconds });

const threshold = (sensorType: string, categoryCode: string, spec: LevelSpec): DefaultRule => ({ sensorType, categoryCode, params: { kind: 'threshold', ...spec } });
const offline = (sensorType: string, categoryCode: string): DefaultRule => ({ sensorType, categoryCode, params: { kind: 'offline', intervals: 3, level: 'blue' } });
const flatline = (sensorType: string, categoryCode: string, hours: number): DefaultRule => ({ sensorType, categoryCode, params: { kind: 'flatline', seconds: hours * 3600, tolerance: 0, level: 'blue' } });
const DAY = 86_400;

export const DEFAULT_RULES: readonly DefaultRule[] = [
  threshold('gas_lel', CATEGORY.gas, levels('above', { blue: 5, yellow: 10, orange: 20, red: 25 }, 1, { mode: 'sustained', seconds: 30 }, 120)),
  flatline('gas_lel', CATEGORY.gas, 24),
  threshold('gas_pressure', CATEGORY.gas, levels('below', { yellow: 2.0, orange: 1.5, red: 1.0 }, 0.2, { mode: 'sustained', seconds: 120 })),
  threshold('water_pressure', CATEGORY.water, levels('below', { blue: 0.2, yellow: 0.16, orange: 0.12, red: 0.08 }, 0.02, { mode: 'sustained', seconds: 120 })),
  { sensorType: 'water_pressure', categoryCode: CATEGORY.water, params: { kind: 'burst', flowType: 'water_flow', windowSeconds: 900, pressureDropPct: 20, flowRisePct: 30, level: 'red', clearSeconds: 900 } },
  { sensorType: 'water_flow', categoryCode: CATEGORY.water, params: { kind: 'anomaly', ...levels('above', { blue: 0.9, yellow: 0.97 }, 0.1, { mode: 'repeated', count: 3, windowSeconds: 900 }, 900) } },
  threshold('river_level', CATEGORY.flood, levels('above', { blue: 175, yellow: 180.5, orange: 183.5, red: 186 }, 0.3, { mode: 'sustained', seconds: 600 }, 1800)),
  { sensorType: 'river_level', categoryCode: CATEGORY.flood, params: { kind: 'rate', ...levels('above', { yellow: 0.5, orange: 1 }, 0.1, { mode: 'immediate' }, 1800), windowSeconds: 3 * 3600, perSeconds: 3600, minSpanSeconds: 3600 } },
  threshold('waterlogging_depth', CATEGORY.waterlogging, levels('above', { blue: 10, yellow: 15, orange: 27, red: 40 }, 3, { mode: 'sustained', seconds: 300 }, 900)),
  threshold('rainfall', CATEGORY.flood, levels('above', { blue: 20, yellow: 30, orange: 50, red: 80 }, 5, { mode: 'immediate' }, 3600)),
  threshold('bridge_strain', CATEGORY.structure, levels('above', { yellow: 600, orange: 800, red: 1000 }, 50, { mode: 'repeated', count: 3, windowSeconds: 600 }, 1800)),
  threshold('bridge_displacement', CATEGORY.structure, levels('above', { yellow: 30, orange: 50, red: 80 }, 5, { mode: 'sustained', seconds: 300 }, 1800)),
  threshold('bridge_vibration', CATEGORY.structure, levels('above', { yellow: 0.5, orange: 1, red: 2 }, 0.1, { mode: 'repeated', count: 5, windowSeconds: 600 }, 1800)),
  { sensorType: 'bridge_vibration', categoryCode: CATEGORY.structure, params: { kind: 'anomaly', ...levels('above', { blue: 0.95 }, 0.15, { mode: 'repeated', count: 5, windowSeconds: 600 }, 1800) } },
  { sensorType: 'slope_displacement', categoryCode: CATEGORY.geology, params: { kind: 'rate', ...levels('above', { blue: 1, yellow: 2, orange: 5, red: 10 }, 0.5, { mode: 'immediate' }, DAY), windowSeconds: DAY, perSeconds: DAY, minSpanSeconds: 6 * 3600 } },
  threshold('crack_width', CATEGORY.geology, levels('above', { blue: 2, yellow: 5, orange: 10, red: 20 }, 0.5, { mode: 'sustained', seconds: 1200 }, DAY)),
  { sensorType: 'crack_width', categoryCode: CATEGORY.geology, params: { kind: 'rate', ...levels('above', { yellow: 1, orange: 3, red: 5 }, 0.3, { mode: 'immediate' }, DAY), windowSeconds: DAY, perSeconds: DAY, minSpanSeconds: 6 * 3600 } },
  threshold('tunnel_settlement', CATEGORY.structure, levels('above', { yellow: 10, orange: 20, red: 30 }, 2, { mode: 'sustained', seconds: 1200 }, DAY)),
  threshold('manhole_tilt', CATEGORY.road, levels('above', { yellow: 5, orange: 15, red: 30 }, 2, { mode: 'immediate' }, 600)),
  threshold('fire_water_pressure', CATEGORY.fire, levels('below', { yellow: 0.15, orange: 0.1, red: 0.05 }, 0.02, { mode: 'sustained', seconds: 600 }, 1800)),
  ...['gas_lel', 'gas_pressure', 'water_pressure', 'water_flow', 'river_level', 'waterlogging_depth', 'rainfall', 'bridge_strain', 'bridge_displacement',
    'bridge_vibration', 'slope_displacement', 'crack_width', 'tunnel_settlement', 'manhole_tilt', 'fire_water_pressure'].map((t) => offline(t, CATEGORY.structure)),
  flatline('water_pressure', CATEGORY.water, 12),
  flatline('river_level', CATEGORY.flood, 12),
];
