import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';
import { triageSettled } from '../../src/triage/index.ts';
import { DUPLICATE_THRESHOLD, idfTable, matchDuplicate, ruleIndex, sketch, type DuplicateSubject } from '../../src/triage/duplicates.ts';
import { loadCorpus } from '../../src/triage/train.ts';

// Tuesday 2026-09-29 09:00 in Chongqing. No triage model is trained here: reports carry their category.
const app = await useTestApp({ now: '2026-09-29T01:00:00Z' });
type Headers = Record<string, string>;

const JIEFANGBEI = '500103003';
const MANHOLE = 'C0101';
const STREETLIGHT = 'C0118';
const M_PER_DEG = 111_195;
let citizen: Headers, streetOp: Headers;
let spot: [number, number];

/** The spot moved `north` metres north. */
const north = (m: number): [number, number] => [spot[0], spot[1] + m / M_PER_DEG];

async function report(description: string, at: [number, number], categoryCode = MANHOLE) {
  const res = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers: citizen, payload: { categoryCode, description, location: { lon: at[0], lat: at[1] } } });
  expect(res.statusCode, res.body).toBe(201);
  await triageSettled(app.ctx);
  return res.json() as { id: string; number: string };
}

async function candidatesOf(id: string, headers: Headers = streetOp) {
  const res = await app.server.inject({ url: `/api/v1/cases/${id}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().duplicateCandidates as { proposalId: string; caseId: string; code: string; score: number; distanceM: number }[];
}

async function signIn() {
  [citizen, streetOp] = await Promise.all(['citizen', 'yuzhong.operator'].map((u) => app.as(u)));
}

beforeAll(async () => {
  await signIn();
  spot = await pointIn(app, JIEFANGBEI, streetOp, 200);
});

describe('duplicate scoring', () => {
  const idf = idfTable(loadCorpus().filter((r) => r.split === 'train').map((r) => r.text));
  const rules = ruleIndex();
  const at = Date.parse('2026-09-29T01:00:00Z');
  const subject = (text: string, categoryCode: string | null, dx = 0, hours = 0): DuplicateSubject =>
    ({ sketch: sketch(text, idf), categoryCode, lon: 106.57, lat: 29.56 + dx / M_PER_DEG, at: at + hours * 3_600_000 });
  const open = subject('市民来电反映，解放碑步行街路口自来水井盖不见了，请相关部门核实处理。', MANHOLE);

  it('scores the same incident told differently above the threshold', () => {
    const m = matchDuplicate(subject('【随手拍】解放碑步行街路口供水井盖没了, 差点摔倒😡', MANHOLE, 20, 2), open, rules);
    expect(m!.score).toBeGreaterThanOrEqual(DUPLICATE_THRESHOLD);
    expect(m!.distanceM).toBe(20);
  });

  it('does not propose another problem at the same spot', () => {
    const m = matchDuplicate(subject('市民来电反映，解放碑步行街路口路灯不亮，请相关部门核实处理。', STREETLIGHT, 10, 1), open, rules);
    expect(m!.score).toBeLessThan(DUPLICATE_THRESHOLD);
  });

  it('leaves out what is beyond the category radius or window', () => {
    expect(matchDuplicate(subject('解放碑步行街路口自来水井盖不见了', MANHOLE, 80, 1), open, rules)).toBeNull();
    expect(matchDuplicate(subject('解放碑步行街路口自来水井盖不见了', MANHOLE, 10, 80), open, rules)).toBeNull();
    // Flooding covers an area: 300 m is still near.
    const flood = subject('解放碑下穿道积水了好深', 'E0406');
    expect(matchDuplicate(subject('解放碑下穿道积水, 车子开不过', 'E0406', 300, 3), flood, rules)).not.toBeNull();
  });
});

describe('duplicate proposals at intake', () => {
  let first: { id: string; number: string };
  let second: { id: string; number: string };

  it('proposes an open case nearby with a similar text, shown on the case view', async () => {
    first = await report('解放碑步行街路口自来水井盖不见了，晚上走路好危险', spot);
    app.setNow('2026-09-29T03:00:00Z');
    await signIn();
    second = await report('解放碑步行街路口的供水井盖没了, 差点摔倒', north(25));
    const candidates = await candidatesOf(second.id);
    expect(candidates).toHaveLength(1);
    expect(candidates[0]).toMatchObject({ caseId: first.id, code: first.number, distanceM: 25 });
    expect(candidates[0].score).toBeGreaterThanOrEqual(DUPLICATE_THRESHOLD);
    expect(await candidatesOf(first.id)).toEqual([]);
    const list = await app.server.inject({ url: '/api/v1/triage/duplicates', headers: streetOp });
    expect(list.json().items).toEqual([expect.objectContaining({ id: candidates[0].proposalId, case: expect.objectContaining({ id: second.id }), candidate: expect.objectContaining({ id: first.id }) })]);
  });

  it('does not propose a case too far away, a different problem, or after the window', async () => {
    const far = await report('解放碑步行街路口自来水井盖不见了，晚上走路好危险', north(400));
    expect(await candidatesOf(far.id)).toEqual([]);
    const other = await report('解放碑步行街路口的路灯一排都不亮了', north(10), STREETLIGHT);
    expect(await candidatesOf(other.id)).toEqual([]);
    app.setNow('2026-10-03T03:00:00Z');
    await signIn();
    const late = await report('解放碑步行街路口自来水井盖不见了，晚上走路好危险', north(5));
    expect((await candidatesOf(late.id)).map((c) => c.caseId)).not.toContain(first.id);
  });

  it('keeps proposals inside the jurisdiction', async () => {
    const [elsewhere] = await Promise.all([app.as('liangjiang.operator')]);
    const list = await app.server.inject({ url: '/api/v1/triage/duplicates', headers: elsewhere });
    expect(list.json().items).toEqual([]);
    const [proposal] = await candidatesOf(second.id);
    const confirm = await app.server.inject({ method: 'POST', url: `/api/v1/triage/duplicates/${proposal.proposalId}/confirm`, headers: elsewhere, payload: {} });
    expect(confirm.statusCode).toBe(404);
    const dismiss = await app.server.inject({ method: 'POST', url: `/api/v1/triage/duplicates/${proposal.proposalId}/dismiss`, headers: citizen, payload: { reason: 'x' } });
    expect(dismiss.statusCode).toBe(403);
  });

  it('confirm merges the case into the earlier one', async () => {
    const [proposal] = await candidatesOf(second.id);
    const res = await app.server.inject({ method: 'POST', url: `/api/v1/triage/duplicates/${proposal.proposalId}/confirm`, headers: streetOp, payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: second.id, status: 'merged', masterId: first.id });
    const again = await app.server.inject({ method: 'POST', url: `/api/v1/triage/duplicates/${proposal.proposalId}/confirm`, headers: streetOp, payload: {} });
    expect(again.statusCode).toBe(409);
    const audit = await app.ctx.db.query<{ action: string }>(`select action from audit_log where entity_id = $1 order by seq`, [second.id]);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['case.merge', 'triage.duplicate.confirm']));
  });

  it('dismiss is audited and takes the proposal off the list', async () => {
    const a = await report('解放碑步行街路口自来水井盖翘起来了', north(-300));
    app.setNow('2026-10-03T05:00:00Z');
    await signIn();
    const b = await report('解放碑步行街路口自来水井盖翘起来了, 车子压过去哐当响', north(-290));
    const [proposal] = await candidatesOf(b.id);
    expect(proposal.caseId).toBe(a.id);
    const res = await app.server.inject({ method: 'POST', url: `/api/v1/triage/duplicates/${proposal.proposalId}/dismiss`, headers: streetOp, payload: { reason: '两个不同的井盖' } });
    expect(res.statusCode, res.body).toBe(204);
    expect(await candidatesOf(b.id)).toEqual([]);
    const [entry] = await app.ctx.db.query<{ actor: string; after: { status: string; reason: string } }>(
      `select actor, after from audit_log where entity_id = $1 and action = 'triage.duplicate.dismiss'`, [b.id]);
    expect(entry.after).toMatchObject({ status: 'dismissed', reason: '两个不同的井盖' });
    const bad = await app.server.inject({ method: 'POST', url: `/api/v1/triage/duplicates/${proposal.proposalId}/dismiss`, headers: streetOp, payload: {} });
    expect(bad.statusCode).toBe(400);
    const unknown = await app.server.inject({ method: 'POST', url: '/api/v1/triage/duplicates/dup-nope/dismiss', headers: streetOp, payload: { reason: 'x' } });
    expect(unknown.statusCode).toBe(404);
  });

  it('takes odd texts at intake without errors, and proposes nothing for them', async () => {
    const odd = [' \n\t ', '🙏🙏🙏', 'The manhole cover is missing', '啊'.repeat(5000), `${'井'.repeat(29)}😡 emoji where the default title is cut`];
    for (const description of odd) {
      const res = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers: citizen, payload: { description, location: { lon: spot[0], lat: spot[1] } } });
      expect(res.statusCode, res.body).toBe(201);
      await triageSettled(app.ctx);
      expect(await candidatesOf(res.json().id)).toEqual([]);
    }
  });
});
