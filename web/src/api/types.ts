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
export interface MapPoints { division: string; count: number; truncated: boolean; statuses: { code: string; name: string }[]; ids: string[]; coords: number[]; status: number[]; overdue: number[] }

export interface Suggestion { categories: { code: string; name: string; probability: number }[]; urgent: boolean }

/** Sensing API (served when the sensing module is deployed). */
export interface Sensor { id: string; name?: string; kind?: string; status: string; lon: number; lat: number; divisionCode?: string; unit?: string; thresholds?: { level: string; value: number }[] }
export interface Alarm { id: string; sensorId?: string; level: string; state?: string; title?: string; message?: string; raisedAt?: string; lon?: number; lat?: number; value?: number }
export interface Reading { at: string; value: number }
export interface VitalSign { key: string; name: string; value: number | null; unit?: string; level?: string; series?: Reading[] }
export type Items<T> = { items: T[] };
