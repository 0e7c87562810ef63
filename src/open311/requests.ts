/**
 * A case as a public GeoReport service request: open/closed, a plain-Chinese status note,
 * the responsible agency, W3C times in the city's offset. Only public fields leave: never the
 * reporter's name, phone or e-mail, never internal ids of cases, units or users; free text is
 * scrubbed of phone numbers, e-mail addresses, ID-card numbers and the reporter's name. Pure.
 */
import { categoryByCode } from '../categories/catalogue.ts';
import type { CaseView } from '../cases/service.ts';
import { STATUS_ZH, type CaseStatus } from '../cases/workflow.ts';
import { localMinutes, Open311Error, w3cDateTime } from './format.ts';

export type RequestStatus = 'open' | 'closed';
export const REQUEST_STATUSES: readonly RequestStatus[] = ['open', 'closed'];

/**
 * Statuses in which the city's work on a request is over. A merged duplicate stays open
 * until its master closes, which closes it too; a closed case may still be reopened (and
 * then reads open again).
 */
export const CLOSED_STATUSES: readonly CaseStatus[] = ['closed', 'rejected', 'voided'];

export function requestStatus(status: CaseStatus): RequestStatus {
  return CLOSED_STATUSES.includes(status) ? 'closed' : 'open';
}

/**
 * Timeline actions whose notes are written for the resident: why a report was refused or
 * voided, what was done, why it was reopened. Notes of internal steps (回退, 转办, 延期, 督办,
 * 返工) stay inside.
 */
export const PUBLIC_NOTE_ACTIONS: readonly string[] = ['accept', 'reject', 'void', 'selfHandle', 'reportHandled', 'close', 'close-merged', 'merge', 'reopen'];

export type PublicRequest = {
  service_request_id: string;
  status: RequestStatus;
  status_notes: string;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string;
  address_id: string;
  zipcode: string | null;
  lat: number;
  long: number;
  media_url: string | null;
};

const REDACTED = '***';

// Mainland mobiles (optionally +86, spaced or dashed 3-4-4), landlines with or without an area
// code, 18-character ID-card numbers and e-mail addresses. The digit guards keep case numbers
// (19 digits) and other longer numbers whole.
const PATTERNS: readonly RegExp[] = [
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
  /(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])/g,
  /(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])/g,
  /(?<![0-9])(?:\(?0[0-9]{2,3}\)?[ -]?)?[2-8][0-9]{6,7}(?![0-9])/g,
];

/** Free text without phone numbers, e-mail and ID-card numbers, and without the given names. */
export function scrub(text: string, names: readonly (string | null | undefined)[] = []): string {
  let out = text;
  for (const pattern of PATTERNS) out = out.replace(pattern, REDACTED);
  for (const name of names) {
    // One character ('王') would blank out ordinary words; shorter names cannot be told from text.
    for (const part of name ? [name, ...name.split(/\s+/)] : []) {
      if (part.length >= 2) out = out.replaceAll(part, REDACTED);
    }
  }
  return out;
}

/** What the city expects to do, for the resident: who handles it and by when. Null once closed. */
export function serviceNotice(v: Pick<CaseView, 'status' | 'sla' | 'ownerUnitName' | 'assigneeUnitName'>, timeZone: string): string | null {
  if (requestStatus(v.status) === 'closed') return null;
  const agency = v.assigneeUnitName ?? v.ownerUnitName ?? '城市运行和治理中心';
  const due = v.sla?.handleDueAt;
  if (v.assigneeUnitName) return due ? `由${agency}处置，预计 ${localMinutes(due, timeZone)} 前处置完毕` : `由${agency}处置`;
  return due ? `由${agency}受理派遣，预计 ${localMinutes(due, timeZone)} 前处置完毕` : `由${agency}受理派遣`;
}

export interface PublicExtras {
  /** The latest public note (see PUBLIC_NOTE_ACTIONS). */
  note: string | null;
  mediaUrl: string | null;
  /** Division chain of the location, city first ('重庆市渝中区解放碑街道…社区'). */
  place: string;
  timeZone: string;
}

export function toPublicRequest(v: CaseView, extras: PublicExtras): PublicRequest {
  if (!v.categoryCode) throw new Error(`case ${v.number} has no category and is not public`);
  const names = [v.reporterName];
  const status = requestStatus(v.status);
  const note = extras.note ? scrub(extras.note, names).trim() : '';
  return {
    service_request_id: v.number,
    status,
    status_notes: note ? `${STATUS_ZH[v.status]}：${note}` : STATUS_ZH[v.status],
    service_name: categoryByCode(v.categoryCode)?.name ?? v.title,
    service_code: v.categoryCode,
    description: scrub(v.description, names),
    agency_responsible: v.assigneeUnitName ?? v.ownerUnitName,
    service_notice: serviceNotice(v, extras.timeZone),
    requested_datetime: w3cDateTime(v.createdAt, extras.timeZone),
    // The spec: for a closed request, the time it was closed.
    updated_datetime: w3cDateTime(status === 'closed' && v.closedAt ? v.closedAt : v.updatedAt, extras.timeZone),
    expected_datetime: w3cDateTime(v.sla?.handleDueAt ?? null, extras.timeZone),
    address: v.address ? `${extras.place} ${scrub(v.address, names)}` : extras.place,
    // The unit grid (单元网格, CJ/T 213 code) is the city's public address key.
    address_id: v.gridCode,
    zipcode: null,
    lat: v.lat,
    long: v.lon,
    media_url: extras.mediaUrl,
  };
}

/** Longest span GET requests may cover, and the default window back from now. */
export const MAX_SPAN_DAYS = 90;
export const MAX_REQUESTS = 1000;
const DAY_MS = 86_400_000;

// W3C datetimes with a zone, as the spec requires; a '+' sent unencoded in a query string
// arrives as a space, so a space before the offset is read as '+'.
const W3C = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+\- ]\d{2}:\d{2})$/;

export function parseW3c(name: string, value: string): Date {
  const m = W3C.exec(value.trim());
  const instant = m ? new Date(`${m[1]}${m[2].replace(' ', '+')}`) : undefined;
  if (!instant || Number.isNaN(instant.getTime())) {
    throw new Open311Error(400, `${name} must be a W3C datetime with a time zone, e.g. 2026-09-01T00:00:00+08:00 or 2026-09-01T00:00:00Z`);
  }
  return instant;
}

/**
 * The requested_datetime window: the last 90 days by default; one bound alone extends 90
 * days from it (never past now); both may not span more than 90 days.
 */
export function requestWindow(start: Date | undefined, end: Date | undefined, now: Date): { from: Date; to: Date } {
  if (start && end) {
    if (start > end) throw new Open311Error(400, 'start_date is after end_date');
    if (end.getTime() - start.getTime() > MAX_SPAN_DAYS * DAY_MS) throw new Open311Error(400, `start_date and end_date may not span more than ${MAX_SPAN_DAYS} days`);
    return { from: start, to: end };
  }
  if (start) return { from: start, to: new Date(Math.min(start.getTime() + MAX_SPAN_DAYS * DAY_MS, Math.max(now.getTime(), start.getTime()))) };
  const to = end ?? now;
  return { from: new Date(to.getTime() - MAX_SPAN_DAYS * DAY_MS), to };
}
