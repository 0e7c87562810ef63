/**
 * Open311 GeoReport requests over the case loop: a POST becomes a case through the normal
 * intake (上报) with the app as reporter; GETs read public cases and show their public fields.
 */
import type { AppContext } from '../app.ts';
import { categoryByCode } from '../categories/catalogue.ts';
import { CASE_STATUSES } from '../cases/workflow.ts';
import { CONFIDENTIAL_APPEAL_TYPES, latestCaseNotes, listPublicCaseViews, reportCase, view, type CaseView, type IntakeInput } from '../cases/service.ts';
import type { Crs } from '../geo/crs.ts';
import { Problem } from '../http/errors.ts';
import { unitDirectory } from '../org/directory.ts';
import { localMinutes, Open311Error } from './format.ts';
import type { ApiKey } from './keys.ts';
import { CLOSED_STATUSES, MAX_REQUESTS, PUBLIC_NOTE_ACTIONS, REQUEST_STATUSES, requestWindow, toPublicRequest, type PublicRequest, type RequestStatus } from './requests.ts';
import { readAttributes, type RawAttributes } from './services.ts';
import * as store from './store.ts';

/** The reporter of every case an app creates, as its timeline and audit show it. */
export const clientOf = (key: Pick<ApiKey, 'name'>) => `open311:${key.name}`;

export interface SubmitInput {
  serviceCode: string;
  lat?: number;
  long?: number;
  crs: Crs;
  addressString?: string;
  addressId?: string;
  description?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  mediaUrl?: string;
  accountId?: string;
  attributes?: RawAttributes;
}

export type Receipt = { service_request_id: string; service_notice: string; account_id: string | null };

/** Family name first for Chinese names; Latin names keep their order. */
export function personName(first: string | undefined, last: string | undefined): string | undefined {
  const parts = [first?.trim(), last?.trim()].filter((p): p is string => !!p);
  if (parts.length === 0) return undefined;
  return /[A-Za-z]/.test(parts.join('')) ? parts.join(' ') : [last?.trim(), first?.trim()].filter(Boolean).join('');
}

function requireLocation(input: SubmitInput): { lon: number; lat: number } {
  const hasLat = input.lat !== undefined;
  const hasLong = input.long !== undefined;
  if (hasLat && hasLong) {
    if (!Number.isFinite(input.lat) || input.lat! < -90 || input.lat! > 90) throw new Open311Error(400, 'lat must be a latitude in degrees, between -90 and 90');
    if (!Number.isFinite(input.long) || input.long! < -180 || input.long! > 180) throw new Open311Error(400, 'long must be a longitude in degrees, between -180 and 180');
    return { lon: input.long!, lat: input.lat! };
  }
  if (hasLat || hasLong) throw new Open311Error(400, `lat and long must be sent together; ${hasLat ? 'long' : 'lat'} was not provided`);
  if (input.addressString || input.addressId) {
    throw new Open311Error(400, 'lat and long were not provided: every request is placed on the city\'s unit grids, which address_string or address_id alone cannot locate; send lat and long (WGS84) and keep address_string as the description of the place');
  }
  throw new Open311Error(400, 'location was not provided: send lat and long (WGS84)');
}

/** Creates a case from a POSTed request; a retry with the same Idempotency-Key returns the first one. */
export async function submitRequest(ctx: AppContext, key: ApiKey, input: SubmitInput, requestId: string, idempotencyKey?: string): Promise<{ receipt: Receipt; replayed: boolean }> {
  const category = categoryByCode(input.serviceCode);
  if (!category) throw new Open311Error(404, `service_code ${input.serviceCode} was not found; GET services for the list`);
  const point = requireLocation(input);
  const { urgency, appealType } = readAttributes(input.serviceCode, input.attributes);
  const name = personName(input.firstName, input.lastName);
  // Staff read the description; the case has no field for outside media, so its URL goes there too.
  const description = [input.description?.trim() || category.name, ...(input.mediaUrl ? [`图片/媒体: ${input.mediaUrl}`] : [])].join('\n\n');
  const intake: IntakeInput = {
    channel: 'app', appealType, categoryCode: category.code, urgency, description,
    ...(input.addressString ? { address: input.addressString } : {}),
    location: { lon: point.lon, lat: point.lat, crs: input.crs },
    ...(name || input.phone ? { reporter: { ...(name ? { name } : {}), ...(input.phone ? { phone: input.phone } : {}) } } : {}),
  };
  let result: Awaited<ReturnType<typeof reportCase>>;
  try {
    result = await reportCase(ctx, { client: clientOf(key), requestId }, intake, idempotencyKey);
  } catch (error) {
    throw asOpen311(error, input);
  }
  const c = result.case;
  await store.linkRequest(ctx.db, { caseId: c.id, keyId: key.id, mediaUrl: input.mediaUrl ?? null, at: ctx.clock() });
  const v = view(ctx, null, c, await unitDirectory(ctx));
  return { receipt: { service_request_id: c.number, service_notice: receiptNotice(v, ctx.config.timeZone), account_id: input.accountId ?? null }, replayed: result.replayed };
}

function receiptNotice(v: CaseView, timeZone: string): string {
  const due = v.sla?.handleDueAt;
  const parts = [`已登记为案件 ${v.number}，由${v.ownerUnitName ?? '城市运行和治理中心'}受理派遣${due ? `，预计 ${localMinutes(due, timeZone)} 前处置完毕` : ''}。`];
  if (CONFIDENTIAL_APPEAL_TYPES.includes(v.appealType)) parts.push('举报依法保密，不在公开查询中显示。');
  return parts.join('');
}

/** The intake's refusals in the spec's terms. */
function asOpen311(error: unknown, input: SubmitInput): unknown {
  if (!(error instanceof Problem)) return error;
  switch (error.code) {
    case 'CY_OUT_OF_AREA':
      return new Open311Error(400, `lat/long (${input.lat}, ${input.long}) is outside 重庆市, the area this endpoint serves`);
    case 'CY_CONFLICT':
      return new Open311Error(400, 'this Idempotency-Key was already used for a different request');
    case 'CY_NOT_FOUND':
      return new Open311Error(404, error.message);
    default:
      return error.status < 500 ? new Open311Error(400, error.message) : error;
  }
}

export interface RequestQuery {
  ids?: string[];
  serviceCodes?: string[];
  statuses?: RequestStatus[];
  start?: Date;
  end?: Date;
}

/**
 * Public requests, newest first, at most 1,000. Listed ids override every other filter, as
 * the spec says; otherwise the window is the last 90 days unless start/end say otherwise.
 */
export async function findRequests(ctx: AppContext, q: RequestQuery): Promise<PublicRequest[]> {
  if (q.ids) {
    if (q.ids.length > MAX_REQUESTS) throw new Open311Error(400, `at most ${MAX_REQUESTS} service_request_id values at once`);
    return publicRequests(ctx, await listPublicCaseViews(ctx, { numbers: q.ids, limit: MAX_REQUESTS }));
  }
  for (const code of q.serviceCodes ?? []) {
    if (!categoryByCode(code)) throw new Open311Error(400, `service_code ${code} is not a service; GET services for the list`);
  }
  for (const s of q.statuses ?? []) {
    if (!REQUEST_STATUSES.includes(s)) throw new Open311Error(400, `status ${s} is not one of ${REQUEST_STATUSES.join(', ')}`);
  }
  const { from, to } = requestWindow(q.start, q.end, ctx.clock());
  const wanted = new Set(q.statuses ?? []);
  const status = wanted.size === 1
    ? CASE_STATUSES.filter((s) => (CLOSED_STATUSES.includes(s) ? wanted.has('closed') : wanted.has('open')))
    : undefined;
  const views = await listPublicCaseViews(ctx, { categoryCodes: q.serviceCodes, status, from, to, limit: MAX_REQUESTS });
  return publicRequests(ctx, views);
}

export async function findRequest(ctx: AppContext, id: string, what = 'service_request_id'): Promise<PublicRequest> {
  const [found] = /^[0-9]{1,40}$/.test(id) ? await findRequests(ctx, { ids: [id] }) : [];
  if (!found) throw new Open311Error(404, `${what} ${id} was not found`);
  return found;
}

async function publicRequests(ctx: AppContext, views: CaseView[]): Promise<PublicRequest[]> {
  const ids = views.map((v) => v.id);
  const [notes, media] = await Promise.all([latestCaseNotes(ctx, ids, PUBLIC_NOTE_ACTIONS), store.mediaUrls(ctx.db, ids)]);
  return views.map((v) => toPublicRequest(v, {
    note: notes.get(v.id)?.note ?? null,
    mediaUrl: media.get(v.id) ?? null,
    place: placeOf(ctx, v),
    timeZone: ctx.config.timeZone,
  }));
}

/** '重庆市渝中区解放碑街道…社区', as the divisions were when the case was reported. */
function placeOf(ctx: AppContext, v: CaseView): string {
  return ctx.city.tree.ancestors(v.communityCode, v.locationDate).map((d) => d.name).reverse().join('');
}
