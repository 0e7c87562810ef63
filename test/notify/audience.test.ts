import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { divisionChain, receives } from '../../src/notify/audience.ts';
import { getUnit } from '../../src/org/store.ts';
import type { Principal, Role } from '../../src/org/model.ts';

const app = await useTestApp();

const DATE = '2026-11-20';
const JIEFANGBEI = '500103003';
const CHAOTIANMEN = '500103010';
const SHAPINGBA = '500106';
const ancestorsOf = (code: string) => app.ctx.city.tree.ancestors(code, DATE).map((d) => d.code);
const gxq = app.ctx.city.zones.find((z) => z.code === 'zone-gxq')!;
const zoneStreet = gxq.streetCodes.find((c) => c.startsWith(SHAPINGBA))!;
const districtStreet = app.ctx.city.tree.children(SHAPINGBA, DATE).map((d) => d.code).find((c) => !gxq.streetCodes.includes(c))!;
const jiefangbeiCommunity = app.ctx.city.tree.children(JIEFANGBEI, DATE)[0].code;

async function principal(role: Role, unitId: string | null, userId = `usr_${role}_${unitId}`): Promise<Principal> {
  const unit = unitId ? (await getUnit(app.ctx.db, unitId))! : null;
  return { user: { id: userId, username: userId, displayName: userId, role, unitId, phone: null, disabled: false }, unit };
}

/** An event's scope as a publisher gives it: the chain from the city down. */
const at = (code: string, extra: { unitIds?: string[]; userIds?: string[] } = {}) => ({
  scope: { divisionCodes: [...ancestorsOf(code)].reverse(), unitIds: extra.unitIds ?? [], userIds: extra.userIds ?? [] },
});

describe('who gets an event', () => {
  it('follows jurisdictions: street, district, management zone, city; citizens only when named', async () => {
    const who = {
      jiefangbei: await principal('operator', `C-${JIEFANGBEI}`),
      chaotianmen: await principal('operator', `C-${CHAOTIANMEN}`),
      yuzhong: await principal('operator', 'C-500103'),
      yuzhongCg: await principal('handler', 'D-500103-cg'),
      shapingba: await principal('operator', `C-${SHAPINGBA}`),
      zone: await principal('operator', 'C-zone-gxq'),
      city: await principal('supervisor', 'C-500000'),
      citizen: await principal('citizen', null, 'usr_citizen'),
    };
    const events = {
      inJiefangbei: at(jiefangbeiCommunity),
      inChaotianmen: at(CHAOTIANMEN),
      inZoneStreet: at(zoneStreet),
      inShapingbaStreet: at(districtStreet),
      namingCitizen: at(CHAOTIANMEN, { userIds: ['usr_citizen'] }),
      namingJiefangbeiCenter: at(CHAOTIANMEN, { unitIds: [`C-${JIEFANGBEI}`] }),
      namingYuzhongCg: at(CHAOTIANMEN, { unitIds: ['D-500103-cg'] }),
      nowhere: { scope: { divisionCodes: [], unitIds: [], userIds: [] } },
    };
    const expected: Record<keyof typeof who, (keyof typeof events)[]> = {
      jiefangbei: ['inJiefangbei', 'namingJiefangbeiCenter'],
      chaotianmen: ['inChaotianmen', 'namingCitizen', 'namingJiefangbeiCenter', 'namingYuzhongCg'],
      yuzhong: ['inJiefangbei', 'inChaotianmen', 'namingCitizen', 'namingJiefangbeiCenter', 'namingYuzhongCg'],
      // Departments see only what is given to them, like the cases they may open.
      yuzhongCg: ['namingYuzhongCg'],
      shapingba: ['inShapingbaStreet'],
      zone: ['inZoneStreet'],
      city: ['inJiefangbei', 'inChaotianmen', 'inZoneStreet', 'inShapingbaStreet', 'namingCitizen', 'namingJiefangbeiCenter', 'namingYuzhongCg'],
      citizen: ['namingCitizen'],
    };
    for (const [name, p] of Object.entries(who) as [keyof typeof who, Principal][]) {
      const got = (Object.entries(events) as [keyof typeof events, { scope: { divisionCodes: string[]; unitIds: string[]; userIds: string[] } }][])
        .filter(([, e]) => receives(p, e.scope, divisionChain(e.scope.divisionCodes, () => [])))
        .map(([event]) => event);
      expect(got, name).toEqual(expected[name]);
    }
  });

  it('does not let a citizen in through a unit or a division', async () => {
    const citizen = await principal('citizen', null, 'usr_c2');
    // Even a citizen record that somehow carried a unit gets only what names them.
    const odd: Principal = { ...citizen, unit: (await getUnit(app.ctx.db, 'C-500000'))! };
    const e = at(JIEFANGBEI, { unitIds: ['C-500000'] });
    expect(receives(odd, e.scope, divisionChain(e.scope.divisionCodes, ancestorsOf))).toBe(false);
  });

  it('completes a chain from the tree when a publisher names only the finest division', async () => {
    expect(divisionChain([JIEFANGBEI], ancestorsOf)).toEqual([JIEFANGBEI, '500103', '500000']);
    expect(divisionChain(['500000', '500103', JIEFANGBEI, jiefangbeiCommunity], ancestorsOf)).toEqual([jiefangbeiCommunity, JIEFANGBEI, '500103', '500000']);
    // Codes the tree does not know (a grid code) stay first.
    expect(divisionChain([`${jiefangbeiCommunity}01`], ancestorsOf)).toEqual([`${jiefangbeiCommunity}01`]);
    const yuzhong = await principal('operator', 'C-500103');
    const zone = await principal('operator', 'C-zone-gxq');
    const shapingba = await principal('operator', `C-${SHAPINGBA}`);
    const streetOnly = { divisionCodes: [JIEFANGBEI], unitIds: [], userIds: [] };
    expect(receives(yuzhong, streetOnly, divisionChain(streetOnly.divisionCodes, ancestorsOf))).toBe(true);
    const zoneOnly = { divisionCodes: [zoneStreet], unitIds: [], userIds: [] };
    expect(receives(zone, zoneOnly, divisionChain(zoneOnly.divisionCodes, ancestorsOf))).toBe(true);
    expect(receives(shapingba, zoneOnly, divisionChain(zoneOnly.divisionCodes, ancestorsOf))).toBe(false);
  });
});
