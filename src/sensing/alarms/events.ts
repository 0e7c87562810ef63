/**
 * Alarm events on the bus (→ live consoles over SSE, inboxes, webhooks), scoped to where the
 * sensor is and who owns or handles the alarm, so jurisdiction filtering works unchanged.
 */
import type { AppContext } from '../../app.ts';
import type { DomainEvent } from '../../events/bus.ts';
import { LEVEL_ZH } from '../rules/model.ts';
import type { Alarm } from './store.ts';

export type AlarmEventType = 'alarm.raised' | 'alarm.escalated' | 'alarm.deescalated' | 'alarm.cleared' | 'alarm.acknowledged' | 'alarm.assigned' | 'alarm.commented' | 'alarm.case-opened';

export interface AlarmEventPayload {
  alarmId: string; level: Alarm['level']; levelName: string; state: Alarm['state']; sensorId: string | null; sensorType: string;
  assetId: string | null; lon: number; lat: number; ruleKind: Alarm['kind']; value: number | null; caseId: string | null; acknowledged: boolean;
}

export function alarmEvent(ctx: AppContext, type: AlarmEventType, a: Alarm, extra: Record<string, unknown> = {}): DomainEvent<AlarmEventPayload> {
  return {
    id: ctx.newId('evt'), type, at: ctx.clock().toISOString(), subject: { type: 'alarm', id: a.id },
    scope: {
      divisionCodes: a.divisionCodes,
      unitIds: [...new Set([a.ownerUnitId, ...(a.assigneeUnitId ? [a.assigneeUnitId] : [])])],
      userIds: a.assigneeUserId ? [a.assigneeUserId] : [],
    },
    payload: {
      alarmId: a.id, level: a.level, levelName: LEVEL_ZH[a.level], state: a.state, sensorId: a.sensorId, sensorType: a.sensorType, assetId: a.assetId,
      lon: a.lon, lat: a.lat, ruleKind: a.kind, value: a.value, caseId: a.caseId, acknowledged: a.acknowledgedAt !== null, ...extra,
    },
  };
}
