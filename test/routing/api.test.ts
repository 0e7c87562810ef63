import { beforeAll, describe, expect, it } from 'vitest';
import { seedResponsibilityRules } from '../../src/routing/index.ts';
import { useTestApp } from '../support/app.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });

const JIEFANGBEI = '500103003';
const CHAOTIANMEN = '500103010';
const LIANGJIANG = '500199';
const RULES = '/api/v1/responsibility-rules';

beforeAll(async () => {
  await seedResponsibilityRules(app.ctx.db, new Date('2026-06-01T02:00:00Z'));
});

async function post(username: string, payload: unknown) {
  return app.server.inject({ method: 'POST', url: RULES, headers: await app.as(username), payload: payload as object });
}

async function resolveIn(area: string, category: string, date?: string) {
  const res = await app.server.inject({ url: `${RULES}/resolve?category=${category}&area=${area}${date ? `&date=${date}` : ''}`, headers: await app.as('city.operator') });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function auditOf(id: string) {
  const res = await app.server.inject({ url: `/api/v1/audit?entityType=responsibility_rule&entityId=${id}`, headers: await app.as('admin') });
  return res.json().items as { action: string; before: { version: number; unitId: string } | null; after: { version: number; unitId: string; validTo: string | null } }[];
}

describe('responsibility rules: writes', () => {
  it('lets an admin create, change and close a rule, keeping every version and auditing each step', async () => {
    const created = await post('admin', { categoryPattern: 'E0102', areaCode: JIEFANGBEI, unitId: `C-${JIEFANGBEI}`, note: '解放碑商圈暴露垃圾由街道保洁' });
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json();
    expect(rule).toMatchObject({ version: 1, categoryPattern: 'E0102', categoryName: '暴露垃圾', areaCode: JIEFANGBEI, unitId: `C-${JIEFANGBEI}`, tier: 'street', validFrom: '2026-11-20', validTo: null });
    expect((await resolveIn(JIEFANGBEI, 'E0102')).unitId).toBe(`C-${JIEFANGBEI}`);
    expect((await resolveIn(CHAOTIANMEN, 'E0102')).unitId).toBe('D-500103-cg');

    const headers = await app.as('admin');
    const patched = await app.server.inject({ method: 'PATCH', url: `${RULES}/${rule.id}`, headers, payload: { unitId: 'D-{district}-hb' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ id: rule.id, version: 2, unitId: 'D-{district}-hb', tier: 'district', note: '解放碑商圈暴露垃圾由街道保洁' });
    const detail = (await app.server.inject({ url: `${RULES}/${rule.id}`, headers })).json();
    expect(detail.versions.map((v: { version: number; validFrom: string; validTo: string | null }) => [v.version, v.validFrom, v.validTo]))
      .toEqual([[1, '2026-11-20', '2026-11-20'], [2, '2026-11-20', null]]);
    expect((await resolveIn(JIEFANGBEI, 'E0102')).unitId).toBe('D-500103-hb');

    const deleted = await app.server.inject({ method: 'DELETE', url: `${RULES}/${rule.id}`, headers });
    expect(deleted.statusCode).toBe(204);
    expect((await resolveIn(JIEFANGBEI, 'E0102')).rule.id).toBe('rr_seed_E01');
    const after = (await app.server.inject({ url: `${RULES}/${rule.id}`, headers })).json();
    expect(after).toMatchObject({ version: 2, validTo: '2026-11-20' });
    expect(after.versions).toHaveLength(2);
    expect((await app.server.inject({ method: 'DELETE', url: `${RULES}/${rule.id}`, headers })).statusCode).toBe(409);
    expect((await app.server.inject({ method: 'PATCH', url: `${RULES}/${rule.id}`, headers, payload: { note: 'x' } })).statusCode).toBe(409);

    const audit = await auditOf(rule.id);
    expect(audit.map((a) => a.action).reverse()).toEqual(['responsibility_rule.create', 'responsibility_rule.update', 'responsibility_rule.delete']);
    const [del, upd, cre] = audit;
    expect(cre.before).toBeNull();
    expect(cre.after).toMatchObject({ version: 1, unitId: `C-${JIEFANGBEI}` });
    expect(upd.before).toMatchObject({ version: 1, unitId: `C-${JIEFANGBEI}` });
    expect(upd.after).toMatchObject({ version: 2, unitId: 'D-{district}-hb' });
    expect(del.after).toMatchObject({ version: 2, validTo: '2026-11-20' });
  });

  it('resolves an old date with the version valid then', async () => {
    const created = await post('admin', { categoryPattern: 'E0103', areaCode: CHAOTIANMEN, unitId: `C-${CHAOTIANMEN}` });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    app.setNow('2026-12-05T02:00:00Z');
    try {
      const patched = await app.server.inject({ method: 'PATCH', url: `${RULES}/${id}`, headers: await app.as('admin'), payload: { unitId: 'D-{district}-zj' } });
      expect(patched.statusCode, patched.body).toBe(200);
      expect((await resolveIn(CHAOTIANMEN, 'E0103', '2026-11-25')).unitId).toBe(`C-${CHAOTIANMEN}`);
      expect((await resolveIn(CHAOTIANMEN, 'E0103', '2026-12-05')).unitId).toBe('D-500103-zj');
      expect((await resolveIn(CHAOTIANMEN, 'E0103', '2026-11-19')).unitId).toBe('D-500103-cg');
    } finally {
      app.setNow('2026-11-20T02:00:00Z');
    }
  });

  it('schedules a change for a later day, and refuses changes to the past', async () => {
    const future = await post('admin', { categoryPattern: 'E0104', areaCode: CHAOTIANMEN, unitId: `C-${CHAOTIANMEN}`, validFrom: '2027-01-01' });
    expect(future.statusCode, future.body).toBe(201);
    expect((await resolveIn(CHAOTIANMEN, 'E0104')).unitId).toBe('D-500103-cg');
    expect((await resolveIn(CHAOTIANMEN, 'E0104', '2027-01-01')).unitId).toBe(`C-${CHAOTIANMEN}`);
    const past = await post('admin', { categoryPattern: 'E0105', areaCode: CHAOTIANMEN, unitId: `C-${CHAOTIANMEN}`, validFrom: '2026-01-01' });
    expect(past.statusCode).toBe(422);
    const notADay = await post('admin', { categoryPattern: 'E0105', areaCode: CHAOTIANMEN, unitId: `C-${CHAOTIANMEN}`, validFrom: '2026-02-30' });
    expect(notADay.statusCode).toBe(400);
  });

  it('refuses a second rule for the same pattern and area', async () => {
    const first = await post('admin', { categoryPattern: 'E02', areaCode: CHAOTIANMEN, unitId: `C-${CHAOTIANMEN}` });
    expect(first.statusCode, first.body).toBe(201);
    const second = await post('admin', { categoryPattern: 'E02', areaCode: CHAOTIANMEN, unitId: 'D-{district}-cg' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'CY_CONFLICT' });
    expect(second.json().detail).toContain(first.json().id);
    const city = await post('admin', { categoryPattern: 'C0101', areaCode: '500000', unitId: 'D-500000-water' });
    expect(city.statusCode).toBe(409);
  });

  it('lets only one of two simultaneous writes for the same pattern and area through', async () => {
    const payload = { categoryPattern: 'E0106', areaCode: CHAOTIANMEN, unitId: `C-${CHAOTIANMEN}` };
    const results = await Promise.all([post('admin', payload), post('admin', { ...payload, unitId: 'D-{district}-hb' })]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  });

  it('lets a city admin write city-wide and zone rules', async () => {
    const city = await post('admin', { categoryPattern: 'H0801', areaCode: '500000', unitId: 'C-{district}', note: '欠薪由区县中心协调' });
    expect(city.statusCode, city.body).toBe(201);
    expect(city.json().tier).toBe('district');
    const zone = await post('admin', { categoryPattern: 'E0105', areaCode: 'zone-gxq', unitId: 'D-zone-gxq-sl' });
    expect(zone.statusCode, zone.body).toBe(201);
    const gxqStreet = app.ctx.city.zones.find((z) => z.code === 'zone-gxq')!.streetCodes[0];
    expect((await resolveIn(gxqStreet, 'E0105')).unitId).toBe('D-zone-gxq-sl');
    expect((await resolveIn(gxqStreet, 'H0801')).unitId).toBe('C-zone-gxq');
    // A unit that does not serve the whole area is refused.
    const partial = await post('admin', { categoryPattern: 'E0106', areaCode: 'zone-gxq', unitId: 'D-500106-cg' });
    expect(partial.statusCode).toBe(422);
  });
});

describe('responsibility rules: who may do what', () => {
  it('keeps a 渝中区 admin to 渝中区: 404 for 两江新区 or the whole city, as for an unknown id', async () => {
    const inLiangjiang = await post('yuzhong.admin', { categoryPattern: 'E0102', areaCode: LIANGJIANG, unitId: 'D-{district}-cg' });
    expect(inLiangjiang.statusCode).toBe(404);
    expect(inLiangjiang.json().code).toBe('CY_NOT_FOUND');
    expect((await post('yuzhong.admin', { categoryPattern: 'E0102', areaCode: '500105002', unitId: 'C-{street}' })).statusCode).toBe(404);
    expect((await post('yuzhong.admin', { categoryPattern: 'E0107', areaCode: '500000', unitId: 'D-{district}-cg' })).statusCode).toBe(404);

    const own = await post('yuzhong.admin', { categoryPattern: 'E0107', areaCode: JIEFANGBEI, unitId: 'D-500103-ga' });
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json()).toMatchObject({ tier: 'district', createdBy: expect.any(String) });
    const utility = await post('yuzhong.admin', { categoryPattern: 'E0108', areaCode: '500103', unitId: 'D-500000-water' });
    expect(utility.statusCode, utility.body).toBe(201);
    expect(utility.json().tier).toBe('city');

    const headers = await app.as('yuzhong.admin');
    const seedRule = await app.server.inject({ method: 'PATCH', url: `${RULES}/rr_seed_E01`, headers, payload: { unitId: 'D-{district}-zj' } });
    expect(seedRule.statusCode).toBe(404);
    expect((await app.server.inject({ method: 'DELETE', url: `${RULES}/rr_seed_E01`, headers })).statusCode).toBe(404);
    expect((await app.server.inject({ method: 'PATCH', url: `${RULES}/rr_nothing`, headers, payload: { note: 'x' } })).statusCode).toBe(404);
    // … but the city-wide rules above their district are theirs to read.
    expect((await app.server.inject({ url: `${RULES}/rr_seed_E01`, headers })).statusCode).toBe(200);
  });

  it('lists rules inside or above the caller’s jurisdiction only', async () => {
    const lj = await post('admin', { categoryPattern: 'E0109', areaCode: LIANGJIANG, unitId: 'D-{district}-cg' });
    expect(lj.statusCode, lj.body).toBe(201);
    const list = async (username: string, query = '') =>
      (await app.server.inject({ url: `${RULES}${query}`, headers: await app.as(username) })).json().items as { id: string; areaCode: string }[];
    const yuzhong = await list('yuzhong.operator');
    expect(yuzhong.map((r) => r.id)).toContain('rr_seed_E01');
    expect(yuzhong.some((r) => r.areaCode === JIEFANGBEI)).toBe(true);
    expect(yuzhong.map((r) => r.id)).not.toContain(lj.json().id);
    expect((await list('liangjiang.operator')).map((r) => r.id)).toContain(lj.json().id);
    const street = await list('chaotianmen.operator');
    expect(street.some((r) => r.areaCode === JIEFANGBEI)).toBe(false);
    expect(street.some((r) => r.areaCode === CHAOTIANMEN)).toBe(true);
    expect((await app.server.inject({ url: `${RULES}/${lj.json().id}`, headers: await app.as('yuzhong.operator') })).statusCode).toBe(404);
    const filtered = await list('admin', '?category=C0101');
    expect(filtered.map((r) => r.id).sort()).toEqual(['rr_seed_C0101', 'rr_seed_C01'].sort());
    const closed = await list('admin', '?status=closed');
    expect(closed.length).toBeGreaterThan(0);
  });

  it('refuses writes to operators and reads to citizens', async () => {
    const operator = await post('yuzhong.operator', { categoryPattern: 'E0102', areaCode: JIEFANGBEI, unitId: 'C-{street}' });
    expect(operator.statusCode).toBe(403);
    expect(operator.json().code).toBe('CY_FORBIDDEN');
    const headers = await app.as('yuzhong.operator');
    expect((await app.server.inject({ method: 'PATCH', url: `${RULES}/rr_seed_E01`, headers, payload: { note: 'x' } })).statusCode).toBe(403);
    expect((await app.server.inject({ method: 'DELETE', url: `${RULES}/rr_seed_E01`, headers })).statusCode).toBe(403);
    expect((await app.server.inject({ url: RULES, headers: await app.as('citizen') })).statusCode).toBe(403);
    expect((await app.server.inject({ url: RULES })).statusCode).toBe(401);
  });
});

describe('responsibility rules: bad input', () => {
  it('answers 400 for malformed bodies', async () => {
    const headers = { ...(await app.as('admin')), 'content-type': 'application/json' };
    const notJson = await app.server.inject({ method: 'POST', url: RULES, headers, payload: '{"categoryPattern": ' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().code).toBe('CY_MALFORMED_BODY');
    for (const payload of [
      { categoryPattern: 'E0102', areaCode: JIEFANGBEI, unitId: 'C-{street}', extra: true },
      { categoryPattern: 'E0102', areaCode: JIEFANGBEI },
      { categoryPattern: 'E01020', areaCode: JIEFANGBEI, unitId: 'C-{street}' },
      { categoryPattern: 'E0102', areaCode: '5001', unitId: 'C-{street}' },
      { categoryPattern: 'E0102', areaCode: JIEFANGBEI, unitId: 'C-{nowhere}' },
      { categoryPattern: 'E0102', areaCode: JIEFANGBEI, unitId: 42 },
    ]) {
      const res = await post('admin', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('CY_VALIDATION');
    }
    const empty = await app.server.inject({ method: 'PATCH', url: `${RULES}/rr_seed_E01`, headers, payload: {} });
    expect(empty.statusCode).toBe(400);
  });

  it('answers 422 for an unknown category, unit, template or area', async () => {
    const cases = [
      { categoryPattern: 'C9999', areaCode: JIEFANGBEI, unitId: 'C-{street}' },
      { categoryPattern: 'C07', areaCode: JIEFANGBEI, unitId: 'C-{street}' },
      { categoryPattern: 'E0102', areaCode: JIEFANGBEI, unitId: 'D-500103-xx' },
      { categoryPattern: 'E0102', areaCode: JIEFANGBEI, unitId: 'D-{district}-xx' },
      { categoryPattern: 'E0102', areaCode: JIEFANGBEI, unitId: 'D-500106-cg' },
      { categoryPattern: 'E0102', areaCode: '500103999', unitId: 'C-{street}' },
      { categoryPattern: 'E0102', areaCode: 'zone-nowhere', unitId: 'C-{street}' },
    ];
    for (const payload of cases) {
      const res = await post('admin', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json().code).toBe('CY_UNPROCESSABLE');
    }
    const patch = await app.server.inject({ method: 'PATCH', url: `${RULES}/rr_seed_C02`, headers: await app.as('admin'), payload: { unitId: 'D-500000-nothing' } });
    expect(patch.statusCode).toBe(422);
  });
});

describe('GET /responsibility-rules/resolve', () => {
  it('resolves a point, in WGS84 or GCJ-02', async () => {
    const headers = await app.as('jiefangbei.operator');
    const place = app.ctx.city.locate(106.577, 29.5571, '2026-11-20')!;
    const res = await app.server.inject({ url: `${RULES}/resolve?category=C0101&lon=106.577&lat=29.5571`, headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      date: '2026-11-20', category: { code: 'C0101', name: '上水井盖' }, gridCode: place.grid.code, unitId: 'D-500000-water',
      rule: { id: 'rr_seed_C0101' }, triageUnitId: `C-${place.district.code}`,
    });
    expect(res.json().areaChain).toEqual([place.community.code, place.street.code, place.district.code, '500000']);
    const street = await app.server.inject({ url: `${RULES}/resolve?category=E0514&lon=106.577&lat=29.5571`, headers });
    expect(street.json().unitId).toBe(`C-${place.street.code}`);
    const gcj = await app.server.inject({ url: `${RULES}/resolve?category=C0101&lon=106.5807&lat=29.5543&crs=gcj02`, headers });
    expect(gcj.statusCode).toBe(200);
  });

  it('says when the list gives no unit, and where the case goes instead', async () => {
    const uncovered = await resolveIn(JIEFANGBEI, 'H1201');
    expect(uncovered).toMatchObject({ rule: null, unitId: null, triageUnitId: 'C-500103' });
    const coarse = await resolveIn('500103', 'E0514');
    expect(coarse).toMatchObject({ rule: { categoryPattern: 'E05', unitId: 'C-{street}' }, unitId: null });
  });

  it('refuses bad questions', async () => {
    const headers = await app.as('city.operator');
    const ask = (query: string) => app.server.inject({ url: `${RULES}/resolve?${query}`, headers });
    expect((await ask('category=C0101')).statusCode).toBe(400);
    expect((await ask(`category=C0101&area=${JIEFANGBEI}&lon=106.577&lat=29.5571`)).statusCode).toBe(400);
    expect((await ask('category=C0101&lon=106.577')).statusCode).toBe(400);
    expect((await ask(`category=C9999&area=${JIEFANGBEI}`)).statusCode).toBe(422);
    expect((await ask('category=C0101&lon=116.4&lat=39.9')).json().code).toBe('CY_OUT_OF_AREA');
    expect((await ask('category=C0101&area=500103999')).statusCode).toBe(404);
    const outside = await app.server.inject({ url: `${RULES}/resolve?category=C0101&area=${CHAOTIANMEN}`, headers: await app.as('jiefangbei.operator') });
    expect(outside.statusCode).toBe(404);
  });
});
