/**
 * Alarm → case (告警转案件): an alarm reaching orange or red opens a case through the case
 * loop's intake (channel 感知告警, category from the rule, the sensor's owning unit as the
 * recommended handling unit, urgency 紧急 for orange and 特急 for red) and links to it. Later level changes and the clearing are notes on that case's
 * timeline; they never close it — people decide when the problem on the ground is solved.
 */
import type { AppContext } from '../../app.ts';
import { addSystemNote, reportCase } from '../../cases/service.ts';
import type { Urgency } from '../../cases/model.ts';
import { sensorType, type AlarmLevel } from '../model.ts';
import { LEVEL_ZH, RULE_KIND_ZH, levelRank } from '../rules/model.ts';
import type { Alarm } from './store.ts';

/** The reporter name cases and audit entries show for alarms. */
export const ALARM_CLIENT = 'sensor-alarm';

export const opensCase = (level: AlarmLevel | null): boolean => levelRank(level) >= levelRank('orange');

const URGENCY: Partial<Record<AlarmLevel, Urgency>> = { orange: 'urgent', red: 'critical' };

/** Opens the alarm's case (idempotent per alarm: a retry after a crash returns the same case). */
export async function openCaseFor(ctx: AppContext, a: Alarm, categoryCode: string | null): Promise<string> {
  const typeName = sensorType(a.sensorType)?.name ?? a.sensorType;
  const what = `${LEVEL_ZH[a.level]}${RULE_KIND_ZH[a.kind]}告警`;
  const { case: c } = await reportCase(ctx, { client: ALARM_CLIENT, requestId: a.id }, {
    channel: 'sensor', appealType: 'help', urgency: URGENCY[a.level] ?? 'urgent',
    ...(categoryCode ? { categoryCode } : {}),
    title: `${typeName}${what}`,
    description: `${typeName}${what}: ${a.subjectType === 'asset' ? `设施 ${a.assetId}` : `传感器 ${a.sensorId}`}, 读数 ${a.value ?? '—'}, 告警 ${a.id}, 权属单位 ${a.ownerUnitId}`,
    location: { lon: a.lon, lat: a.lat, crs: 'wgs84' },
    // The sensor's owner (a utility or department) is who the center will dispatch to.
    handlingUnitId: a.ownerUnitId,
  }, `alarm:${a.id}`);
  return c.id;
}

export async function noteOnCase(ctx: AppContext, a: Alarm, note: string, data: Record<string, unknown>): Promise<void> {
  if (!a.caseId) return;
  await addSystemNote(ctx, a.caseId, { client: ALARM_CLIENT, requestId: a.id, note, data: { alarmId: a.id, level: a.level, state: a.state, ...data } });
}

export function levelNote(from: AlarmLevel | null, to: AlarmLevel | null, how: 'auto' | 'hand'): string {
  if (!to) return how === 'hand' ? `告警已人工解除 (原${from ? LEVEL_ZH[from] : ''})` : `告警已自动解除 (原${from ? LEVEL_ZH[from] : ''})`;
  return levelRank(to) > levelRank(from) ? `告警升级: ${from ? LEVEL_ZH[from] : '无'} → ${LEVEL_ZH[to]}` : `告警降级: ${from ? LEVEL_ZH[from] : '无'} → ${LEVEL_ZH[to]}`;
}
