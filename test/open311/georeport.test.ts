/**
 * Conformance with Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): discovery, services,
 * service definitions, the format suffix, the error list, and the API keys behind POST.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/categories/catalogue.ts';
import { useTestApp } from '../support/app.ts';
import { childrenNamed, parseXml, textOf } from './xml.ts';

const app = await useTestApp({ now: '2026-09-29T01:00:00Z' });
const BASE = '/open311/v2';

type Headers = Record<string, string>;
let admin: Headers, districtAdmin: Headers, citizen: Headers;

beforeAll(async () => {
  [admin, districtAdmin, citizen] = await Promise.all(['admin', 'yuzhong.admin', 'citizen'].map((u) => app.as(u)));
});

const get = (url: string, headers: Headers = {}) => app.server.inject({ method: 'GET', url, headers });

function expectXml(res: { headers: Record<string, unknown>; body: string }) {
  expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
  const doc = parseXml(res.body);
  expect(doc.declaration).toBe('UTF-8');
  return doc.root;
}

function expectErrors(res: { statusCode: number; headers: Record<string, unknown>; body: string; json(): unknown }, status: number, description?: RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  if (String(res.headers['content-type']).startsWith('text/xml')) {
    const root = expectXml(res);
    expect(root.name).toBe('errors');
    const [error] = childrenNamed(root, 'error');
    expect(textOf(error, 'code')).toBe(String(status));
    if (description) expect(textOf(error, 'description')).toMatch(description);
    return;
  }
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = res.json() as { code: number; description: string }[];
  expect(body).toEqual([{ code: status, description: expect.any(String) }]);
  if (description) expect(body[0].description).toMatch(description);
}

describe('service discovery', () => {
  it('lists the GeoReport v2 endpoint with both formats, in JSON and in XML', async () => {
    const json = await get(`${BASE}/discovery.json`);
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    const d = json.json();
    expect(d).toMatchObject({ changeset: expect.any(String), contact: expect.stringContaining('重庆市'), key_service: expect.stringContaining('/api/v1/open311/keys') });
    expect(d.endpoints).toEqual([{
      specification: 'http://wiki.open311.org/GeoReport_v2', url: expect.stringMatching(/\/open311\/v2$/), changeset: d.changeset,
      type: 'production', formats: ['text/xml', 'application/json'],
    }]);

    const root = expectXml(await get(`${BASE}/discovery.xml`));
    expect(root.name).toBe('discovery');
    const [endpoint] = childrenNamed(childrenNamed(root, 'endpoints')[0], 'endpoint');
    expect(textOf(endpoint, 'specification')).toBe('http://wiki.open311.org/GeoReport_v2');
    expect(childrenNamed(childrenNamed(endpoint, 'formats')[0], 'format').map((f) => f.text)).toEqual(['text/xml', 'application/json']);
  });
});

describe('GET services', () => {
  it('lists every category as a realtime service with metadata, keywords and group', async () => {
    const res = await get(`${BASE}/services.json`);
    expect(res.statusCode).toBe(200);
    const services = res.json() as Record<string, unknown>[];
    expect(services).toHaveLength(CATEGORIES.length);
    expect(services.find((s) => s.service_code === 'E0102')).toEqual({
      service_code: 'E0102', service_name: '暴露垃圾', description: expect.stringContaining('暴露垃圾'),
      metadata: true, type: 'realtime', keywords: expect.stringContaining('市容环境'), group: '市容环境',
    });
    expect(services.find((s) => s.service_code === 'C0101')?.keywords).toContain('供水井盖');
    expect(services.find((s) => s.service_code === 'H0901')?.group).toBe('医疗卫生');
  });

  it('gives the same list as XML <services><service>…', async () => {
    const root = expectXml(await get(`${BASE}/services.xml`));
    expect(root.name).toBe('services');
    const services = childrenNamed(root, 'service');
    expect(services).toHaveLength(CATEGORIES.length);
    const e0102 = services.find((s) => textOf(s, 'service_code') === 'E0102')!;
    expect(textOf(e0102, 'service_name')).toBe('暴露垃圾');
    expect(textOf(e0102, 'metadata')).toBe('true');
    expect(textOf(e0102, 'type')).toBe('realtime');
  });
});

describe('GET service definition', () => {
  it('defines urgency and appeal type as optional single-value lists', async () => {
    const res = await get(`${BASE}/services/E0102.json`);
    expect(res.statusCode).toBe(200);
    const def = res.json();
    expect(def.service_code).toBe('E0102');
    expect(def.attributes.map((a: { code: string; order: number }) => [a.code, a.order])).toEqual([['urgency', 1], ['appeal_type', 2]]);
    const urgency = def.attributes[0];
    expect(urgency).toMatchObject({ variable: true, datatype: 'singlevaluelist', required: false, description: expect.any(String) });
    expect(urgency.values).toEqual([{ key: 'normal', name: '一般' }, { key: 'urgent', name: '紧急' }, { key: 'critical', name: '特急' }]);
    expect(def.attributes[1].values).toContainEqual({ key: 'complaint', name: '投诉' });
  });

  it('gives the definition as XML <service_definition><attributes><attribute>…<values><value>', async () => {
    const root = expectXml(await get(`${BASE}/services/C0101.xml`));
    expect(root.name).toBe('service_definition');
    expect(textOf(root, 'service_code')).toBe('C0101');
    const [urgency] = childrenNamed(childrenNamed(root, 'attributes')[0], 'attribute');
    expect(textOf(urgency, 'datatype')).toBe('singlevaluelist');
    const values = childrenNamed(childrenNamed(urgency, 'values')[0], 'value');
    expect(values.map((v) => [textOf(v, 'key'), textOf(v, 'name')])).toEqual([['normal', '一般'], ['urgent', '紧急'], ['critical', '特急']]);
  });

  it('answers an unknown service_code with 404 in the error format of the suffix', async () => {
    expectErrors(await get(`${BASE}/services/X9999.json`), 404, /service_code X9999 was not found/);
    expectErrors(await get(`${BASE}/services/X9999.xml`), 404, /service_code X9999 was not found/);
  });
});

describe('formats and errors', () => {
  it('answers an unknown format with 404 in the spec error format', async () => {
    expectErrors(await get(`${BASE}/services.html`), 404, /format html is not served/);
    expectErrors(await get(`${BASE}/services.yaml`, { accept: 'application/json' }), 404, /format yaml/);
  });

  it('answers unknown GeoReport paths with 404 in the error format, not problem+json', async () => {
    expectErrors(await get(`${BASE}/nothing.json`), 404, /no GeoReport resource/);
    expectErrors(await get(`${BASE}/services/E0102`), 404);
  });

  it('refuses a wrong api_key on reads with 403, while reads need none', async () => {
    expectErrors(await get(`${BASE}/services.json?api_key=nope`), 403, /Invalid api_key/);
    expect((await get(`${BASE}/services.json?jurisdiction_id=cq.gov.cn&api_key=`)).statusCode).toBe(200);
  });

  it('puts schema validation errors in the spec error format', async () => {
    const res = await get(`${BASE}/requests.json?start_date=${'2026-09-01T00:00:00Z'.repeat(3)}`);
    expectErrors(res, 400, /^start_date must NOT have more than 40 characters$/);
    expect(res.headers['content-type']).not.toContain('problem');
  });
});

describe('API keys for third-party apps', () => {
  it('lets city center administrators issue, list and revoke keys; the key is shown once', async () => {
    const issued = await app.server.inject({ method: 'POST', url: '/api/v1/open311/keys', headers: admin, payload: { name: '渝快办' } });
    expect(issued.statusCode, issued.body).toBe(201);
    const key = issued.json();
    expect(key).toMatchObject({ name: '渝快办', active: true, key: expect.stringMatching(/^o311_[A-Za-z0-9_-]{32}$/) });

    const list = await app.server.inject({ url: '/api/v1/open311/keys', headers: admin });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((k: { id: string }) => k.id)).toContain(key.id);
    expect(list.body).not.toContain(key.key);
    const [{ key_hash: hash }] = await app.ctx.db.query<{ key_hash: string }>('select key_hash from open311_api_key where id = $1', [key.id]);
    expect(list.body).not.toContain(hash);

    const twin = await app.server.inject({ method: 'POST', url: '/api/v1/open311/keys', headers: admin, payload: { name: '渝快办' } });
    expect(twin.statusCode).toBe(409);

    const form = new URLSearchParams({ api_key: key.key, service_code: 'E0102' }).toString();
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    // The key works (the request fails later, for want of a location).
    expectErrors(await app.server.inject({ method: 'POST', url: `${BASE}/requests.json`, headers: formHeaders, payload: form }), 400, /location was not provided/);

    const revoked = await app.server.inject({ method: 'DELETE', url: `/api/v1/open311/keys/${key.id}`, headers: admin });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ active: false, revokedAt: expect.any(String) });
    expectErrors(await app.server.inject({ method: 'POST', url: `${BASE}/requests.json`, headers: formHeaders, payload: form }), 403, /Invalid api_key/);
    expect((await app.server.inject({ method: 'DELETE', url: `/api/v1/open311/keys/${key.id}`, headers: admin })).statusCode).toBe(409);

    // A replacement may take the revoked key's name.
    const again = await app.server.inject({ method: 'POST', url: '/api/v1/open311/keys', headers: admin, payload: { name: '渝快办' } });
    expect(again.statusCode).toBe(201);

    const audit = await app.ctx.db.query<{ action: string }>(`select action from audit_log where entity_id = $1 order by seq`, [key.id]);
    expect(audit.map((a) => a.action)).toEqual(['open311.key.issue', 'open311.key.revoke']);
  });

  it('refuses key management to district administrators and everyone else', async () => {
    const byDistrict = await app.server.inject({ method: 'POST', url: '/api/v1/open311/keys', headers: districtAdmin, payload: { name: 'district-app' } });
    expect(byDistrict.statusCode).toBe(403);
    expect(byDistrict.headers['content-type']).toContain('application/problem+json');
    expect((await app.server.inject({ url: '/api/v1/open311/keys', headers: citizen })).statusCode).toBe(403);
    expect((await app.server.inject({ url: '/api/v1/open311/keys' })).statusCode).toBe(401);
  });
});

describe('OpenAPI', () => {
  it('documents every GeoReport route with a summary, the open311 tag and response schemas', async () => {
    const doc = (await get('/docs/json')).json();
    const paths = Object.entries(doc.paths as Record<string, Record<string, { tags?: string[]; summary?: string; responses?: Record<string, unknown> }>>)
      .filter(([path]) => path.startsWith('/open311/v2/') || path.startsWith('/api/v1/open311/'));
    const operations = paths.flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual([
      'delete /api/v1/open311/keys/{id}', 'get /api/v1/open311/keys',
      'get /open311/v2/discovery.{format}', 'get /open311/v2/requests.{format}', 'get /open311/v2/requests/{service_request_id}.{format}',
      'get /open311/v2/services.{format}', 'get /open311/v2/services/{service_code}.{format}', 'get /open311/v2/tokens/{token}.{format}',
      'post /api/v1/open311/keys', 'post /open311/v2/requests.{format}',
    ]);
    for (const { op } of operations) {
      expect(op.tags).toEqual(['open311']);
      expect(op.summary).toBeTruthy();
      expect(Object.keys(op.responses ?? {}).some((status) => status.startsWith('2'))).toBe(true);
    }
    const list = doc.paths['/open311/v2/requests.{format}'].get.responses['200'].content;
    expect(Object.keys(list)).toEqual(['application/json', 'text/xml']);
    expect(list['application/json'].schema.type).toBe('array');
  });
});
