/**
 * GeoReport v2 service requests over the case loop: POST creates a case reported by the app,
 * GET requests and GET request show public fields only, with the spec's filters and errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { wgs84ToGcj02 } from '../../src/geo/crs.ts';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import { childrenNamed, parseXml, textOf } from './xml.ts';

// Tuesday 2026-09-29 09:00 in Chongqing.
const app = await useTestApp({ now: '2026-09-29T01:00:00Z' });
const BASE = '/open311/v2';
const JIEFANGBEI = '500103003';
const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const PHONE = '13912345678';
const REPORTER = { first_name: '小红', last_name: '李' };

type Headers = Record<string, string>;
type Res = Awaited<ReturnType<typeof app.server.inject>>;
let apiKey: string;
let spot: [number, number];
let districtOp: Headers, grid: Headers, cg: Headers, admin: Headers;
/** Every GET body the tests saw, checked for personal data at the end. */
const publicBodies: string[] = [];

beforeAll(async () => {
  [districtOp, grid, cg, admin] = await Promise.all(['yuzhong.operator', 'jiefangbei.grid', 'yuzhong.cg', 'admin'].map((u) => app.as(u)));
  spot = await pointIn(app, JIEFANGBEI, admin);
  const issued = await app.server.inject({ method: 'POST', url: '/api/v1/open311/keys', headers: admin, payload: { name: 'cq-street-app' } });
  expect(issued.statusCode, issued.body).toBe(201);
  apiKey = issued.json().key;
});

function form(fields: Record<string, string | undefined>): string {
  return new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined)).toString();
}

const valid = (extra: Record<string, string | undefined> = {}) => ({
  api_key: apiKey, service_code: 'E0102', lat: String(spot[1]), long: String(spot[0]),
  description: `解放碑步行街垃圾堆在路边，我是李小红，电话 ${PHONE}`, phone: PHONE, email: 'lxh@example.com', ...REPORTER, ...extra,
});

async function post(fields: Record<string, string | undefined>, format = 'json', headers: Headers = {}): Promise<Res> {
  return app.server.inject({ method: 'POST', url: `${BASE}/requests.${format}`, headers: { ...FORM, ...headers }, payload: form(fields) });
}

async function create(extra: Record<string, string | undefined> = {}): Promise<string> {
  const res = await post(valid(extra));
  expect(res.statusCode, res.body).toBe(201);
  return res.json()[0].service_request_id;
}

async function read(url: string): Promise<Res> {
  const res = await app.server.inject({ url: `${BASE}${url}` });
  publicBodies.push(res.body);
  return res;
}

function expectError(res: Res, status: number, description: RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  if (String(res.headers['content-type']).startsWith('text/xml')) {
    const root = parseXml(res.body).root;
    expect(root.name).toBe('errors');
    expect(textOf(childrenNamed(root, 'error')[0], 'code')).toBe(String(status));
    expect(textOf(childrenNamed(root, 'error')[0], 'description')).toMatch(description);
    return;
  }
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.json()).toEqual([{ code: status, description: expect.stringMatching(description) }]);
}

async function act(headers: Headers, id: string, action: string, body: Record<string, unknown> = {}) {
  const res = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers, payload: body });
  expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
  return res.json();
}

async function caseByNumber(number: string, headers = districtOp) {
  const res = await app.server.inject({ url: `/api/v1/cases/by-number/${number}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('POST requests', () => {
  it('creates a case reported by the app, visible to the 渝中区 operator, with the reporter masked for others', async () => {
    const res = await post(valid({ 'attribute[urgency]': '紧急', account_id: 'user-42' }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const [receipt] = res.json();
    expect(receipt).toEqual({ service_request_id: expect.stringMatching(/^20260929500103\d{5}$/), service_notice: expect.stringContaining('渝中区'), account_id: 'user-42' });
    expect(receipt).not.toHaveProperty('token');

    const c = await caseByNumber(receipt.service_request_id);
    expect(c).toMatchObject({ channel: 'app', categoryCode: 'E0102', urgency: 'urgent', appealType: 'help', streetCode: JIEFANGBEI, ownerUnitId: 'C-500103', reporterName: '李小红', reporterPhone: PHONE, reporterUserId: null });
    expect((await caseByNumber(receipt.service_request_id, grid)).reporterPhone).toBe('139****5678');
    const timeline = await app.server.inject({ url: `/api/v1/cases/${c.id}/timeline`, headers: districtOp });
    expect(timeline.json().events[0]).toMatchObject({ action: 'report', data: { channel: 'app', client: 'open311:cq-street-app' } });
    const [audit] = await app.ctx.db.query<{ actor: string }>(`select actor from audit_log where entity_id = $1 and action = 'case.report'`, [c.id]);
    expect(audit.actor).toBe('open311:cq-street-app');
  });

  it('accepts the same fields as JSON and answers in XML', async () => {
    const res = await app.server.inject({
      method: 'POST', url: `${BASE}/requests.xml`,
      payload: { api_key: apiKey, service_code: 'C0118', lat: spot[1], long: spot[0], description: '路灯不亮', attribute: { urgency: 'critical', appeal_type: '投诉' }, media_url: 'https://img.example.com/1.jpg' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    const root = parseXml(res.body).root;
    expect(root.name).toBe('service_requests');
    const [request] = childrenNamed(root, 'request');
    const number = textOf(request, 'service_request_id');
    expect(textOf(request, 'account_id')).toBe('');
    const c = await caseByNumber(number);
    expect(c).toMatchObject({ categoryCode: 'C0118', urgency: 'critical', appealType: 'complaint', description: expect.stringContaining('https://img.example.com/1.jpg') });
    expect((await read(`/requests/${number}.json`)).json()[0].media_url).toBe('https://img.example.com/1.jpg');
  });

  it('takes GCJ-02 coordinates from Chinese map SDKs with the crs extension, and stores WGS84', async () => {
    const [lon, lat] = wgs84ToGcj02(spot[0], spot[1]);
    const number = await create({ lat: String(lat), long: String(lon), crs: 'gcj02' });
    const c = await caseByNumber(number);
    expect(c.lon).toBeCloseTo(spot[0], 5);
    expect(c.lat).toBeCloseTo(spot[1], 5);
  });

  it('returns the first request for a retry with the same Idempotency-Key and refuses the key for another request', async () => {
    const headers = { 'idempotency-key': 'app-retry-000001' };
    const first = await post(valid({ description: '重试的报告' }), 'json', headers);
    const again = await post(valid({ description: '重试的报告' }), 'json', headers);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json()[0].service_request_id).toBe(first.json()[0].service_request_id);
    expectError(await post(valid({ description: '另一件事' }), 'json', headers), 400, /Idempotency-Key was already used/);
  });

  it('refuses a request without api_key, or with a wrong one, with 403', async () => {
    expectError(await post(valid({ api_key: undefined })), 403, /api_key was not provided/);
    expectError(await post(valid({ api_key: 'o311_wrong' })), 403, /Invalid api_key/);
    expectError(await post(valid({ api_key: 'o311_wrong', service_code: undefined }), 'xml'), 403, /Invalid api_key/);
  });

  it('answers a missing service_code with 400 and an unknown one with 404', async () => {
    expectError(await post(valid({ service_code: undefined })), 400, /^service_code was not provided$/);
    expectError(await post(valid({ service_code: '' })), 400, /^service_code was not provided$/);
    expectError(await post(valid({ service_code: 'Z9999' })), 404, /service_code Z9999 was not found/);
  });

  it('answers a missing location with 400, and explains that an address alone cannot be placed', async () => {
    expectError(await post(valid({ lat: undefined, long: undefined })), 400, /location was not provided/);
    expectError(await post(valid({ lat: undefined, long: undefined, address_string: '重庆市渝中区解放碑步行街' }), 'xml'), 400, /lat and long were not provided.*address_string/);
    expectError(await post(valid({ long: undefined })), 400, /long was not provided/);
    expectError(await post(valid({ lat: 'north' })), 400, /^lat must be a latitude/);
    expectError(await post(valid({ lat: '95' })), 400, /between -90 and 90/);
  });

  it('answers a point outside Chongqing with 400', async () => {
    expectError(await post(valid({ lat: '39.9087', long: '116.3975' })), 400, /outside 重庆市/);
  });

  it('refuses unknown attributes and values, and bad fields, with 400 in the spec format', async () => {
    expectError(await post(valid({ 'attribute[colour]': 'red' })), 400, /attribute\[colour\] is not an attribute of service E0102/);
    expectError(await post(valid({ 'attribute[urgency]': 'very' })), 400, /attribute\[urgency\]=very is not one of normal \(一般\)/);
    expectError(await post(valid({ phone: 'call me' })), 400, /^phone must be a phone number/);
    const res = await post(valid({ media_url: 'javascript:alert(1)' }));
    expectError(res, 400, /^media_url must be an http or https URL$/);
    expect(res.headers['content-type']).not.toContain('problem');
  });
});

describe('GET requests and GET request', () => {
  it('follows one request from open to closed through the normal case loop', async () => {
    const number = await create({ 'attribute[urgency]': 'urgent' });
    const open = (await read(`/requests/${number}.json`)).json();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      service_request_id: number, status: 'open', status_notes: '待受理', service_code: 'E0102', service_name: '暴露垃圾',
      agency_responsible: '渝中区数字化城市运行和治理中心', requested_datetime: '2026-09-29T09:00:00+08:00',
      expected_datetime: expect.stringMatching(/^2026-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/),
      address: expect.stringMatching(/^重庆市渝中区解放碑街道/), address_id: expect.stringMatching(/^500103003\d{5}$/), zipcode: null,
      lat: expect.closeTo(spot[1], 5), long: expect.closeTo(spot[0], 5), media_url: null,
    });
    expect(open[0].service_notice).toContain('预计');

    const c = await caseByNumber(number);
    await act(districtOp, c.id, 'accept');
    await act(districtOp, c.id, 'dispatch', { unitId: 'D-500103-cg' });
    app.setNow('2026-09-29T03:00:00Z');
    cg = await app.as('yuzhong.cg');
    await act(cg, c.id, 'sign');
    await act(cg, c.id, 'report-handled', { note: '已清运' });
    const handling = (await read(`/requests/${number}.json`)).json()[0];
    expect(handling).toMatchObject({ status: 'open', status_notes: '待核查：已清运', agency_responsible: '渝中区城市管理局' });
    grid = await app.as('jiefangbei.grid');
    districtOp = await app.as('yuzhong.operator');
    await act(grid, c.id, 'verify-fix', { passed: true });
    const closedCase = await act(districtOp, c.id, 'close', { note: '已清运完毕，如有问题请联系 023-63891234 或 13800001111' });

    const closed = (await read(`/requests/${number}.json`)).json()[0];
    expect(closed).toMatchObject({
      status: 'closed', agency_responsible: '渝中区城市管理局', service_notice: null,
      updated_datetime: '2026-09-29T11:00:00+08:00', expected_datetime: open[0].expected_datetime,
    });
    expect(closedCase.closedAt).toBe('2026-09-29T03:00:00.000Z');
    expect(closed.status_notes).toBe('已结案：已清运完毕，如有问题请联系 *** 或 ***');

    const xml = parseXml((await read(`/requests/${number}.xml`)).body).root;
    expect(xml.name).toBe('service_requests');
    const [request] = childrenNamed(xml, 'request');
    expect(textOf(request, 'status')).toBe('closed');
    expect(textOf(request, 'expected_datetime')).toBe(open[0].expected_datetime);
    expect(textOf(request, 'zipcode')).toBe('');
  });

  it('answers an unknown request id with 404', async () => {
    expectError(await read('/requests/2026092950010399999.json'), 404, /service_request_id 2026092950010399999 was not found/);
    expectError(await read('/requests/not-a-number.xml'), 404, /was not found/);
  });

  it('resolves a request id used as a token at once', async () => {
    const number = await create();
    expect((await read(`/tokens/${number}.json`)).json()).toEqual([{ service_request_id: number, token: number }]);
    expectError(await read('/tokens/12345.json'), 404, /token 12345 was not found/);
  });

  it('filters by status, service_code, dates and ids, newest first, within 90 days by default', async () => {
    app.setNow('2026-06-01T02:00:00Z');
    const old = await create({ description: '六月的垃圾' });
    app.setNow('2026-09-30T02:00:00Z');
    const recent = await create({ service_code: 'E0104', description: '道路不洁' });
    const closedOne = (await read('/requests.json?status=closed')).json();
    expect(closedOne.length).toBeGreaterThan(0);
    expect(closedOne.every((r: { status: string }) => r.status === 'closed')).toBe(true);

    const all = (await read('/requests.json')).json() as { service_request_id: string; requested_datetime: string; status: string }[];
    const ids = all.map((r) => r.service_request_id);
    expect(ids).toContain(recent);
    expect(ids).not.toContain(old);
    expect([...all].sort((a, b) => b.requested_datetime.localeCompare(a.requested_datetime)).map((r) => r.service_request_id)).toEqual(ids);
    expect(all.some((r) => r.status === 'closed') && all.some((r) => r.status === 'open')).toBe(true);

    const open = (await read('/requests.json?status=open')).json();
    expect(open.every((r: { status: string }) => r.status === 'open')).toBe(true);
    expect((await read('/requests.json?status=open,closed')).json()).toHaveLength(all.length);

    const byCode = (await read('/requests.json?service_code=E0104')).json();
    expect(byCode.map((r: { service_request_id: string }) => r.service_request_id)).toEqual([recent]);

    const june = (await read('/requests.json?start_date=2026-05-31T00:00:00%2B08:00&end_date=2026-06-02T00:00:00Z')).json();
    expect(june.map((r: { service_request_id: string }) => r.service_request_id)).toEqual([old]);
    // A '+' sent unencoded arrives as a space.
    expect((await read('/requests.json?start_date=2026-05-31T00:00:00+08:00&end_date=2026-06-02T00:00:00Z')).json()).toHaveLength(1);
    expect((await read('/requests.json?start_date=2026-09-30T00:00:00Z')).json().map((r: { service_request_id: string }) => r.service_request_id)).toEqual([recent]);

    const listed = (await read(`/requests.json?service_request_id=${old},${recent}&status=closed`)).json();
    expect(listed.map((r: { service_request_id: string }) => r.service_request_id)).toEqual([recent, old]);

    const xml = parseXml((await read(`/requests.xml?service_request_id=${old}`)).body).root;
    expect(childrenNamed(xml, 'request').map((r) => textOf(r, 'service_request_id'))).toEqual([old]);
  });

  it('refuses bad filters with 400', async () => {
    expectError(await read('/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z'), 400, /may not span more than 90 days/);
    expectError(await read('/requests.json?start_date=yesterday'), 400, /start_date must be a W3C datetime/);
    expectError(await read('/requests.json?end_date=2026-06-01'), 400, /end_date must be a W3C datetime/);
    expectError(await read('/requests.json?start_date=2026-06-02T00:00:00Z&end_date=2026-06-01T00:00:00Z'), 400, /start_date is after end_date/);
    expectError(await read('/requests.xml?status=pending'), 400, /status pending is not one of open, closed/);
    expectError(await read('/requests.json?service_code=E0102,NOPE'), 400, /service_code NOPE is not a service/);
  });

  it('keeps 举报 reports out of public reads', async () => {
    const res = await post(valid({ 'attribute[appeal_type]': 'report', description: '有人在河边倾倒垃圾' }));
    expect(res.statusCode).toBe(201);
    const [{ service_request_id: number, service_notice: notice }] = res.json();
    expect(notice).toContain('保密');
    expectError(await read(`/requests/${number}.json`), 404, /was not found/);
    expect((await read(`/requests.json?service_request_id=${number}`)).json()).toEqual([]);
  });

  it('writes well-formed UTF-8 XML even from hostile text', async () => {
    const number = await create({ description: '<script>&"引号"\'</script> \u0001 控制字符' });
    const res = await read(`/requests/${number}.xml`);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const [request] = childrenNamed(parseXml(res.body).root, 'request');
    expect(textOf(request, 'description')).toContain('<script>&"引号"\'</script>');
    const list = await read('/requests.xml');
    expect(childrenNamed(parseXml(list.body).root, 'request').length).toBeGreaterThan(3);
  });

  it('never shows a phone number, the reporter\'s name or e-mail, or internal ids in any GET body', async () => {
    publicBodies.push((await read('/requests.json')).body, (await read('/requests.xml')).body);
    expect(publicBodies.length).toBeGreaterThan(15);
    const internal = await app.ctx.db.query<{ id: string }>('select id from case_record');
    for (const body of publicBodies) {
      expect(body).not.toContain(PHONE);
      expect(body).not.toContain('13800001111');
      expect(body).not.toContain('63891234');
      expect(body).not.toContain('李小红');
      expect(body).not.toContain('小红');
      expect(body).not.toContain('lxh@example.com');
      expect(body).not.toMatch(/"C-5|<[a-z_]+>C-5|D-500103|usr_|o311key_/);
      for (const { id } of internal) expect(body).not.toContain(id);
    }
  });
});
