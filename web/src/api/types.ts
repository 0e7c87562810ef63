/** Shapes of the API answers the web app reads (see /docs for the full schemas). */
export type Role = 'citizen' | 'grid_worker' | 'handler' | 'operator' | 'supervisor' | 'admin';

export interface User { id: string; username: string; displayName: string; role: Role; unitId: string | null; phone: string | null; disabled: boolean }
export interface Unit {
  id: string; kind: 'center' | 'department'; tier: 'city' | 'district' | 'street'; name: string; divisionCode: string | null; parentId: string | null;
  scopeInclude: string[]; scopeExclude: string[]; line: string | null; active: boolean;
}

export interface CaseTask { unitId: string; role: 'lead' | 'assist'; status: string }
export interface CaseView {
  id: string; number: string; version: number; status: string; statusName: string; channel: string; appealType: string;
  domain: string | null; categoryCode: string | null; urgency: string; title: string; description: string; address: string | null;
  lon: number; lat: number; gridCode: string; communityCode: string; streetCode: string; districtCode: string;
  reporterName: string | null; reporterPhone: string | null; photos: string[]; ownerUnitId: string; ownerUnitName: string | null;
  assigneeUnitId: string | null; assigneeUnitName: string | null; recommendedUnitId: string | null; tasks: CaseTask[];
  pendingExtension: { minutes: number; reason: string } | null; satisfaction: number | null; masterId: string | null;
  dueAt: string | null; overdue: boolean; createdAt: string; updatedAt: string; closedAt: string | null; allowedActions: string[];
}
export interface TimelineEvent { seq: number; at: string; action: string; actionName: string; fromStatus: string | null; toStatus: string; actorUnitId: string | null; note: string | null }
export interface Supervision { id: string; at: string; kind: string; tier: string; unitId: string; note: string }
export interface Timeline { events: TimelineEvent[]; supervisions: Supervision[] }

export interface Division { code: string; name: string; level: 'city' | 'district' | 'street' | 'community'; parentCode: string | null; access: 'within' | 'above' }
export interface DivisionDetail extends Division { path: { code: string; name: string; level: string }[] }

export interface Counts { total: number; open: number; overdue: number; closed: number; rated: number; satisfaction: number | null }
export interface AreaStats { division: { code: string; name: string; level: string }; totals: Counts; children: (Counts & { code: string; name: string })[] }
export interface MapClusters { division: string; zoom: number; total: number; truncated: boolean; coords: number[]; counts: number[]; overdue: number[]; ids: (string | null)[] }

export interface Suggestion { categories: { code: string; name: string; probability: number }[]; urgent: boolean }

/** Sensing API (GET /api/v1/sensors, /alarms, /vital-signs, /sensors/{id}/readings; absent until deployed). */
export type AlarmLevel = 'blue' | 'yellow' | 'orange' | 'red';
export interface Sensor {
  id: string; code: string; name: string | null; type: string; typeName: string; unit: string; assetId: string | null; assetType: string | null;
  ownerUnitId: string; lon: number; lat: number; divisionCodes: string[]; streetCode: string; intervalSeconds: number;
  status: 'online' | 'offline' | 'alarm'; alarmLevel: AlarmLevel | null; lastSeenAt: string | null;
}
export interface SensorPage { items: Sensor[]; total: number }
export interface SensorType { code: string; name: string; unit: string; min: number; max: number; intervalSeconds: number; line: string }
export interface Alarm {
  id: string; ruleKey: string; kind: string; subjectType: 'sensor' | 'asset'; subjectId: string; sensorId: string | null; sensorType: string; assetId: string | null;
  level: AlarmLevel; peakLevel: AlarmLevel; state: 'active' | 'cleared'; acknowledgedAt: string | null; acknowledgedBy: string | null;
  assigneeUserId: string | null; assigneeUnitId: string | null; ownerUnitId: string; divisionCodes: string[]; districtCode: string; streetCode: string | null;
  lon: number; lat: number; value: number | null; raisedAt: string; updatedAt: string; clearedAt: string | null; caseId: string | null; version: number;
}
/** One point of a sensor's series: a raw value, or a bucket's min, max, avg and count. */
export interface ReadingPoint { ts: string; value?: number; min?: number; max?: number; avg?: number; count?: number }
export interface Readings { sensorId: string; unit: string; resolution: 'raw' | '1m' | '1h'; from: string; to: string; truncated: boolean; points: ReadingPoint[] }
export interface VitalSigns {
  divisionCode: string; at: string; sensorsTotal: number; sensorsOnline: number; alarms: Record<AlarmLevel, number>;
  openCases: number; overdueCases: number; compositeIndex: number;
}
export interface VitalSignsNow { division: VitalSigns; children: VitalSigns[] }
export interface AlarmRule {
  id: string; sensorType: string; kind: string; scope: 'type' | 'asset' | 'sensor'; targetId: string | null; enabled: boolean;
  params: { kind: string; direction?: 'above' | 'below'; thresholds?: Partial<Record<AlarmLevel, number>> };
}
export type Items<T> = { items: T[] };
