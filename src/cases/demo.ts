/**
 * Demo cases for `chengyun demo`: a modest, seeded set of reports from the corpus, spread over
 * the central districts and taken through the real case service to different stages, so the
 * console opens on a living city. Reports come from the demo resident; the centers and
 * departments act through stand-in staff (演示数据) of the right unit and role.
 */
import type { AppContext } from '../app.ts';
import { calendarDate } from '../clock.ts';
import { unitDirectory } from '../org/directory.ts';
import type { Principal, Role, Unit, User } from '../org/model.ts';
import { fnv1a32, mulberry32 } from '../random.ts';
import { loadCorpus } from '../triage/train.ts';
import { isDispatchTarget } from './access.ts';
import * as service from './service.ts';
import type { Command } from './workflow.ts';

/** Boxes around the central districts (渝中 weighted heaviest: it is where the demo accounts work). */
const AREAS: { box: [number, number, number, number]; weight: number }[] = [
  { box: [106.54, 29.545, 106.59, 29.565], weight: 4 },
  { box: [106.42, 29.50, 106.56, 29.62], weight: 3 },
  { box: [106.52, 29.45, 106.65, 29.54], weight: 2 },
  { box: [106.50, 29.58, 106.65, 29.70], weight: 2 },
];

/** How far each demo case goes: reported, accepted, dispatched, signed, handled, closed, rated. */
const STAGES: Command['action'][] = ['accept', 'dispatch', 'sign', 'reportHandled', 'verifyFix', 'close', 'evaluate'];

export interface DemoSummary { created: number; skipped: boolean }

function standIn(unit: Unit, role: Role): Principal {
  const user: User = { id: `usr_demo_${unit.id}_${role}`, username: `demo.${role}`, displayName: '演示数据', role, unitId: unit.id, phone: null, disabled: false };
  return { user, unit };
}

export async function seedDemoCases(ctx: AppContext, resident: User, count = 60): Promise<DemoSummary> {
  const existing = await ctx.db.query<{ n: number }>('select count(*)::int as n from case_record');
  if (Number(existing[0].n) > 0) return { created: 0, skipped: true };
  const random = mulberry32(fnv1a32('chengyun demo cases'));
  const corpus = loadCorpus().filter((r) => r.split === 'test');
  const units = await unitDirectory(ctx);
  const totalWeight = AREAS.reduce((s, a) => s + a.weight, 0);
  const now = ctx.clock().getTime();
  let created = 0;
  for (let i = 0; i < count * 4 && created < count; i++) {
    let pick = random() * totalWeight;
    const area = AREAS.find((a) => (pick -= a.weight) < 0) ?? AREAS[0];
    const lon = area.box[0] + random() * (area.box[2] - area.box[0]);
    const lat = area.box[1] + random() * (area.box[3] - area.box[1]);
    if (!ctx.city.locate(lon, lat, ctx.today())) continue;
    const report = corpus[Math.floor(random() * corpus.length)];
    // Reported over the last five days, in working hours; each later step an hour or two on.
    let at = now - Math.floor(random() * 5) * 86_400_000 - Math.floor(random() * 8 * 3_600_000) - 3_600_000;
    const atThen = (): AppContext => ({ ...ctx, clock: () => new Date(at), today: () => calendarDate(new Date(at), ctx.config.timeZone) });
    const reporter = { principal: { user: resident, unit: null }, requestId: `demo-${i}` };
    const { case: c } = await service.reportCase(atThen(), reporter, {
      channel: 'app', appealType: report.appealType as service.IntakeInput['appealType'], urgency: report.urgency as service.IntakeInput['urgency'],
      categoryCode: report.categoryCode, domain: report.domain, description: report.text, title: Array.from(report.text).slice(0, 30).join(''),
      location: { lon, lat, crs: 'wgs84' },
    });
    created++;
    const owner = units.get(c.ownerUnitId);
    if (!owner) continue;
    const target = [c.recommendedUnitId, `D-${c.districtCode}-cg`].map((id) => (id ? units.get(id) : undefined)).find((u) => u && isDispatchTarget(u) && u.id !== owner.id);
    const depth = Math.floor(random() * (STAGES.length + 1));
    for (const action of STAGES.slice(0, depth)) {
      at += (1 + Math.floor(random() * 2)) * 3_600_000;
      if (at > now) break;
      const step = demoStep(action, owner, target, 2 + Math.floor(random() * 4));
      if (!step) break;
      try {
        await service.act(atThen(), action === 'evaluate' ? { user: resident, unit: null } : step.by, `demo-${i}-${action}`, c.id, step.cmd);
      } catch {
        break;
      }
    }
  }
  return { created, skipped: false };
}

function demoStep(action: Command['action'], owner: Unit, target: Unit | undefined, rating: number): { by: Principal; cmd: Command } | undefined {
  const operator = standIn(owner, 'operator');
  switch (action) {
    case 'accept': return { by: operator, cmd: { action } };
    case 'dispatch': return target ? { by: operator, cmd: { action, unitId: target.id } } : undefined;
    case 'sign': return target ? { by: standIn(target, target.kind === 'center' ? 'operator' : 'handler'), cmd: { action } } : undefined;
    case 'reportHandled': return target ? { by: standIn(target, target.kind === 'center' ? 'operator' : 'handler'), cmd: { action, note: '已到现场处理完毕' } } : undefined;
    case 'verifyFix': return { by: operator, cmd: { action, passed: true, note: '现场核查已处理' } };
    case 'close': return { by: operator, cmd: { action, note: '处理完毕，予以结案' } };
    case 'evaluate': return { by: operator, cmd: { action, satisfaction: rating } };
    default: return undefined;
  }
}
