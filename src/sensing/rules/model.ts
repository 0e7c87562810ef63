/**
 * Alarm rules (告警规则) as data. A rule belongs to a sensor type and may be overridden for one
 * asset or one sensor; the most specific row wins as a whole. Every kind ends in the same
 * four-colour level machine (levels.ts): the kind only decides which value is compared.
 */
import type { AlarmLevel } from '../model.ts';

export const LEVELS: readonly AlarmLevel[] = ['blue', 'yellow', 'orange', 'red'];
/** 蓝 · 黄 · 橙 · 红. */
export const LEVEL_ZH: Readonly<Record<AlarmLevel, string>> = { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };

export const levelRank = (level: AlarmLevel | null): number => (level ? LEVELS.indexOf(level) + 1 : 0);
export const levelAt = (rank: number): AlarmLevel | null => (rank > 0 ? LEVELS[rank - 1] : null);

/**
 * threshold 阈值 · rate 变化速率 · anomaly 统计异常 · offline 离线 · flatline 数据僵直 ·
 * burst 爆管 (pressure falling while flow rises on one pipe segment).
 */
export type RuleKind = 'threshold' | 'rate' | 'anomaly' | 'offline' | 'flatline' | 'burst';
export const RULE_KINDS: readonly RuleKind[] = ['threshold', 'rate', 'anomaly', 'offline', 'flatline', 'burst'];
export const RULE_KIND_ZH: Readonly<Record<RuleKind, string>> = {
  threshold: '阈值', rate: '变化速率', anomaly: '统计异常', offline: '离线', flatline: '数据僵直', burst: '爆管',
};

/** How a level is reached: at once, held for a duration (持续), or seen N times in a window (累计). */
export type CreateCondition =
  | { mode: 'immediate' }
  | { mode: 'sustained'; seconds: number }
  | { mode: 'repeated'; count: number; windowSeconds: number };

/**
 * Four-colour thresholds on a value. `above`: a level is reached when value ≥ its threshold;
 * `below`: when value ≤ it. A level holds until the value leaves its clear threshold (回差,
 * hysteresis: by default `hysteresis` short of the create threshold) for `clearSeconds`.
 */
export interface LevelSpec {
  direction: 'above' | 'below';
  thresholds: Partial<Record<AlarmLevel, number>>;
  /** Explicit clear thresholds per level; missing ones are threshold ∓ hysteresis. */
  clear?: Partial<Record<AlarmLevel, number>>;
  hysteresis?: number;
  create: CreateCondition;
  clearSeconds: number;
}

export interface ThresholdParams extends LevelSpec { kind: 'threshold' }
/** Change per `perSeconds` (86400: per day) over the last `windowSeconds`; needs ≥ `minSpanSeconds` of data. */
export interface RateParams extends LevelSpec { kind: 'rate'; windowSeconds: number; perSeconds: number; minSpanSeconds: number }
/** Anomaly score in [0,1] from AnomalyDetector compared with the thresholds. */
export interface AnomalyParams extends LevelSpec { kind: 'anomaly'; window?: number; warmup?: number; halfScoreZ?: number }
/** No reading for `intervals` × the sensor's reporting interval (checked by tick). */
export interface OfflineParams { kind: 'offline'; intervals: number; level: AlarmLevel }
/** Values within `tolerance` of each other for `seconds` (a stuck sensor). */
export interface FlatlineParams { kind: 'flatline'; seconds: number; tolerance: number; level: AlarmLevel }
/**
 * On one asset: a pressure sensor (this rule's type) falling by ≥ `pressureDropPct` % while a
 * `flowType` sensor rises by ≥ `flowRisePct` %, both over `windowSeconds`.
 */
export interface BurstParams { kind: 'burst'; flowType: string; windowSeconds: number; pressureDropPct: number; flowRisePct: number; level: AlarmLevel; clearSeconds: number }

export type RuleParams = ThresholdParams | RateParams | AnomalyParams | OfflineParams | FlatlineParams | BurstParams;

/** 类型默认 · 设施覆盖 · 单点覆盖. */
export type RuleScope = 'type' | 'asset' | 'sensor';

export interface Rule {
  id: string;
  sensorType: string;
  kind: RuleKind;
  scope: RuleScope;
  /** Asset id or sensor id for overrides; null for the type default. */
  targetId: string | null;
  params: RuleParams;
  /** Case category an orange/red alarm opens its case in. */
  categoryCode: string | null;
  enabled: boolean;
  version: number;
  updatedAt: string;
  updatedBy: string | null;
}

/** The identity of an alarm's rule, the same for a type default and its overrides. */
export const ruleKey = (sensorType: string, kind: RuleKind): string => `${sensorType}.${kind}`;
