/** Typed calls, one per endpoint the app uses. */
import { optional, request } from './client.ts';
import type {
  Alarm, AlarmRule, AreaStats, CaseView, DivisionDetail, Items, MapClusters, Readings, Sensor, SensorPage, SensorType, Suggestion, Timeline, Unit, User,
  VitalSigns, VitalSignsNow,
} from './types.ts';

export const login = (username: string, password: string) =>
  request<{ token: string; expiresAt: string; user: User; unit: Unit | null }>('/api/v1/auth/login', { body: { username, password } });
export const logout = () => request<void>('/api/v1/auth/logout', { method: 'POST' });

export interface CaseQuery { status?: string[]; overdue?: boolean; urgency?: string; q?: string; cursor?: string; limit?: number }
export function listCases(query: CaseQuery) {
  const params = new URLSearchParams();
  for (const s of query.status ?? []) params.append('status', s);
  if (query.overdue) params.set('overdue', 'true');
  if (query.urgency) params.set('urgency', query.urgency);
  if (query.q) params.set('q', query.q);
  if (query.cursor) params.set('cursor', query.cursor);
  params.set('limit', String(query.limit ?? 50));
  return request<{ items: CaseView[]; next: string | null }>(`/api/v1/cases?${params}`);
}
export const getCase = (id: string) => request<CaseView>(`/api/v1/cases/${encodeURIComponent(id)}`);
export const caseByNumber = (number: string) => request<CaseView>(`/api/v1/cases/by-number/${encodeURIComponent(number)}`);
export const caseTimeline = (id: string) => request<Timeline>(`/api/v1/cases/${encodeURIComponent(id)}/timeline`);
const kebab = (action: string) => action.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
export const act = (c: Pick<CaseView, 'id' | 'version'>, action: string, body: Record<string, unknown>) =>
  request<CaseView>(`/api/v1/cases/${encodeURIComponent(c.id)}/${kebab(action)}`, { body, headers: { 'if-match': `"${c.version}"` } });
export const reportCase = (body: Record<string, unknown>, idempotencyKey: string) =>
  request<CaseView>('/api/v1/cases', { body, headers: { 'idempotency-key': idempotencyKey } });
export const uploadPhoto = (file: Blob) => request<{ hash: string }>('/api/v1/photos', { raw: file });
export const photoBlob = (hash: string) => request<Blob>(`/api/v1/photos/${hash}`);
export const suggest = (text: string, signal?: AbortSignal) => request<Suggestion>('/api/v1/triage/suggest', { body: { text }, signal });
export const dispatchTargets = () => request<Items<Unit>>('/api/v1/units');

export const division = (code: string) => request<DivisionDetail>(`/api/v1/divisions/${code}`);
export const roots = () => request<{ items: DivisionDetail[] }>('/api/v1/divisions');
export const geometry = (code: string, children: boolean) => request<GeoJSON.FeatureCollection | GeoJSON.Feature>(`/api/v1/divisions/${code}/geometry?children=${children}`);
export const areaStats = (code: string) => request<AreaStats>(`/api/v1/cases/stats?division=${code}`);
export const mapClusters = (code: string, zoom: number, bbox: readonly number[], signal?: AbortSignal) =>
  request<MapClusters>(`/api/v1/cases/map-clusters?division=${code}&zoom=${zoom}&bbox=${bbox.map((v) => v.toFixed(5)).join(',')}`, { signal });

/** Sensing (may not be deployed: null means "no data"). */
const q = (params: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]]))).toString();
export const SENSOR_PAGE = 1000;
export const sensorPage = (division: string, offset = 0) => optional<SensorPage>(`/api/v1/sensors?${q({ division, limit: SENSOR_PAGE, offset })}`);
export const sensorTypes = () => optional<{ sensorTypes: SensorType[] }>('/api/v1/sensor-types');
export const alarms = async (division: string) => (await optional<Items<Alarm>>(`/api/v1/alarms?${q({ state: 'active', division, limit: 500 })}`))?.items ?? null;
export const vitalSigns = (division: string) => optional<VitalSignsNow>(`/api/v1/vital-signs?${q({ division })}`);
export const vitalSeries = async (division: string, from: string, to: string, step: number) =>
  (await optional<Items<VitalSigns>>(`/api/v1/vital-signs/series?${q({ division, from, to, step })}`))?.items ?? null;
export const readings = (sensorId: string, from: string, to: string, resolution: 'auto' | 'raw' | '1m' | '1h') =>
  optional<Readings>(`/api/v1/sensors/${encodeURIComponent(sensorId)}/readings?${q({ from, to, resolution })}`);
export const alarmRules = async (sensorType: string) => (await optional<Items<AlarmRule>>(`/api/v1/alarm-rules?${q({ sensorType })}`))?.items ?? null;
export const sensor = (id: string) => request<Sensor>(`/api/v1/sensors/${encodeURIComponent(id)}`);
export const grids = (bbox: readonly number[], signal?: AbortSignal) =>
  request<GeoJSON.FeatureCollection & { truncated: boolean }>(`/api/v1/grids?bbox=${bbox.map((v) => v.toFixed(5)).join(',')}&limit=3000`, { signal });
