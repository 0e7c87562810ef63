/** Typed calls, one per endpoint the app uses. */
import { optional, request } from './client.ts';
import type {
  Alarm, AreaStats, CaseView, DivisionDetail, Items, MapPoints, Reading, Sensor, Suggestion, Timeline, Unit, User, VitalSign,
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
export const mapPoints = (code: string, open = true) => request<MapPoints>(`/api/v1/cases/map-points?division=${code}&open=${open}`);

/** Sensing (may not be deployed: null means "no data"). */
type Listish<T> = T[] | { items: T[] } | null;
const items = <T>(v: Listish<T>): T[] | null => (v === null ? null : Array.isArray(v) ? v : v.items ?? []);
export const sensors = async () => items(await optional<Listish<Sensor>>('/api/v1/sensors'));
export const alarms = async () => items(await optional<Listish<Alarm>>('/api/v1/alarms?state=active'));
export const vitalSigns = async (code: string) => items(await optional<Listish<VitalSign>>(`/api/v1/vital-signs?division=${code}`));
export const readings = async (sensorId: string, from: string, to: string, resolution: 'raw' | '1m' | '1h') =>
  items(await optional<Listish<Reading>>(`/api/v1/sensors/${encodeURIComponent(sensorId)}/readings?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&resolution=${resolution}`));
